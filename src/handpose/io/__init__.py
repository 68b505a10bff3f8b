"""Input sources and output sinks: image files, folders and globs (:mod:`handpose.io.images`), and more."""
