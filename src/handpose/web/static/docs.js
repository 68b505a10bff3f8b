// Renders /openapi.json as a plain list of endpoints (no external scripts).
"use strict";

(async () => {
  const root = document.getElementById("api");
  const el = (tag, text, cls) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  };
  let spec;
  try {
    spec = await (await fetch("/openapi.json")).json();
  } catch (err) {
    root.textContent = `cannot load /openapi.json: ${err.message}`;
    return;
  }
  root.replaceChildren(el("p", `${spec.info.title} ${spec.info.version} — ${spec.info.summary || ""}`));
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const section = el("section", undefined, "endpoint");
      section.append(el("h2", `${method.toUpperCase()} ${path}`));
      if (op.description || op.summary) section.append(el("p", op.description || op.summary));
      if (op.parameters && op.parameters.length) {
        const table = el("table");
        const head = el("tr");
        head.append(el("th", "parameter"), el("th", "in"), el("th", "type"), el("th", "about"));
        table.append(head);
        for (const p of op.parameters) {
          const s = p.schema || {};
          const type = s.type || (s.anyOf || []).map((x) => x.type).filter((t) => t !== "null").join("|");
          const row = el("tr");
          row.append(el("td", p.name), el("td", p.in), el("td", type), el("td", p.description || ""));
          table.append(row);
        }
        section.append(table);
      }
      if (op.requestBody) {
        section.append(el("p", `body: ${Object.keys(op.requestBody.content).join(", ")}`));
        if (op.requestBody.description) section.append(el("p", op.requestBody.description));
      }
      const codes = Object.entries(op.responses || {}).map(([c, r]) => `${c} ${r.description || ""}`);
      section.append(el("p", `responses: ${codes.join("; ")}`));
      root.append(section);
    }
  }
})();
