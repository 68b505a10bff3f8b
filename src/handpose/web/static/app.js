// handpose web page: webcam frames → WebSocket (JPEG, one in flight, newest frame wins) → landmarks drawn on
// a canvas over the video. Capture/upload go through the REST API. No external scripts.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const video = $("video"), still = $("still"), overlay = $("overlay"), ctx = overlay.getContext("2d");
  const ui = {
    status: $("status"), fps: $("fps"), latency: $("latency"), hands: $("hands"), dropped: $("dropped"),
    message: $("message"), capture: $("capture"), mirror: $("mirror"), model: $("model"),
    maxHands: $("maxHands"), thorough: $("thorough"), upload: $("upload"), camera: $("camera"), gallery: $("gallery"),
    captureCount: $("captureCount"),
  };

  // Palette of MediaPipe's default hand style (drawing_styles.py), RGB.
  const GROUPS = [
    { points: [0, 1, 5, 9, 13, 17], color: "rgb(255,48,48)" },
    { points: [2, 3, 4], color: "rgb(255,229,180)" },
    { points: [6, 7, 8], color: "rgb(128,64,128)" },
    { points: [10, 11, 12], color: "rgb(255,204,0)" },
    { points: [14, 15, 16], color: "rgb(48,255,48)" },
    { points: [18, 19, 20], color: "rgb(21,101,192)" },
  ];
  const CONNECTIONS = [
    [[0, 1], [0, 5], [9, 13], [13, 17], [5, 9], [0, 17], "rgb(128,128,128)", 3],
    [[1, 2], [2, 3], [3, 4], "rgb(255,229,180)", 2],
    [[5, 6], [6, 7], [7, 8], "rgb(128,64,128)", 2],
    [[9, 10], [10, 11], [11, 12], "rgb(255,204,0)", 2],
    [[13, 14], [14, 15], [15, 16], "rgb(48,255,48)", 2],
    [[17, 18], [18, 19], [19, 20], "rgb(21,101,192)", 2],
  ];
  const COLOR_OF = new Array(21);
  GROUPS.forEach((g) => g.points.forEach((i) => { COLOR_OF[i] = g.color; }));

  // Observable state (the browser test reads window.handpose.state).
  const state = {
    mode: "camera", connected: false, cameraReady: false, sent: 0, results: 0, resultsWithHands: 0,
    drawnWithHands: 0, lastResult: null, errors: [], captures: [], fps: 0, latencyMs: null, dropped: 0,
    galleryNames: [], stalls: 0,
  };
  window.handpose = { state, dropConnection: () => ws && ws.close() }; // dropConnection: for tests

  // The server numbers the binary messages of each connection 1, 2, ...; frameNo follows it.
  let ws = null, maxFrameBytes = 2 * 1024 * 1024, inFlight = null, resultTimes = [], frameNo = 0;
  const sendTimes = new Map();
  const grab = document.createElement("canvas");

  function say(text) { ui.message.textContent = text || ""; }
  function setStatus(text, ok) {
    ui.status.textContent = text;
    ui.status.className = "status " + (ok ? "ok" : "bad");
  }
  function settings() {
    return { model: ui.model.value, max_hands: Number(ui.maxHands.value), thorough: ui.thorough.checked };
  }
  function query() {
    const s = settings();
    return `model=${s.model}&max_hands=${s.max_hands}` + (s.thorough ? "&thorough=true" : "");
  }

  // ---- drawing --------------------------------------------------------------------------------------------
  function sizeOverlay(width, height) {
    if (overlay.width !== width || overlay.height !== height) { overlay.width = width; overlay.height = height; }
  }

  function draw(result) {
    sizeOverlay(result.width, result.height);
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    const scale = Math.max(1, Math.min(overlay.width, overlay.height) / 480);
    for (const hand of result.hands) {
      const pts = hand.landmarks.map(([x, y]) => [x * overlay.width, y * overlay.height]);
      for (const group of CONNECTIONS) {
        const color = group[group.length - 2], width = group[group.length - 1] * scale;
        ctx.strokeStyle = color; ctx.lineWidth = width; ctx.lineCap = "round";
        for (const [a, b] of group.slice(0, -2)) {
          ctx.beginPath(); ctx.moveTo(pts[a][0], pts[a][1]); ctx.lineTo(pts[b][0], pts[b][1]); ctx.stroke();
        }
      }
      pts.forEach(([x, y], i) => {
        ctx.beginPath(); ctx.arc(x, y, 6 * scale, 0, 2 * Math.PI); ctx.fillStyle = "rgb(224,224,224)"; ctx.fill();
        ctx.beginPath(); ctx.arc(x, y, 4 * scale, 0, 2 * Math.PI); ctx.fillStyle = COLOR_OF[i]; ctx.fill();
      });
      const [wx, wy] = pts[0];
      ctx.font = `${Math.round(14 * scale)}px system-ui, sans-serif`;
      ctx.fillStyle = "#fff"; ctx.strokeStyle = "#000"; ctx.lineWidth = 3;
      const label = `${hand.handedness} ${hand.score.toFixed(2)}`;
      ctx.strokeText(label, wx + 8 * scale, wy + 18 * scale); ctx.fillText(label, wx + 8 * scale, wy + 18 * scale);
    }
    if (result.hands.length > 0) state.drawnWithHands += 1;
  }

  function showResult(result) {
    state.lastResult = result;
    state.results += 1;
    if (result.hands.length > 0) state.resultsWithHands += 1;
    ui.hands.textContent = String(result.hands.length);
    draw(result);
  }

  // ---- WebSocket stream ---------------------------------------------------------------------------------
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${proto}//${location.host}/v1/stream`);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      frameNo = 0; inFlight = null; sendTimes.clear();
      state.connected = true; setStatus("connected", true); sendConfig();
    };
    ws.onclose = (ev) => {
      state.connected = false; inFlight = null;
      setStatus(`disconnected (${ev.code}${ev.reason ? ": " + ev.reason : ""}), retrying…`, false);
      setTimeout(connect, 2000);
    };
    ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
  }

  function sendConfig() {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "config", ...settings() }));
  }

  function onMessage(msg) {
    if (msg.type === "ready") { maxFrameBytes = msg.max_frame_bytes; return; }
    if (msg.type === "result") {
      const t0 = sendTimes.get(msg.frame);
      if (t0 !== undefined) {
        const ms = performance.now() - t0;
        state.latencyMs = state.latencyMs === null ? ms : 0.8 * state.latencyMs + 0.2 * ms;
        ui.latency.textContent = state.latencyMs.toFixed(0);
      }
      const now = performance.now();
      resultTimes.push(now);
      resultTimes = resultTimes.filter((t) => now - t <= 2000);
      state.fps = resultTimes.length / 2;
      ui.fps.textContent = state.fps.toFixed(1);
      state.dropped = msg.dropped; ui.dropped.textContent = String(msg.dropped);
      if (state.mode === "camera") showResult(msg);
      frameDone(msg.frame);
    } else if (msg.type === "error") {
      state.errors.push(msg);
      say(`server: ${msg.detail}`);
      if (msg.frame !== null) frameDone(msg.frame);
    }
  }

  function frameDone(frame) {
    for (const k of sendTimes.keys()) if (k <= frame) sendTimes.delete(k);
    if (inFlight !== null && inFlight <= frame) inFlight = null;
  }

  function frameBlob(quality) {
    const w0 = video.videoWidth, h0 = video.videoHeight;
    const scale = Math.min(1, 640 / w0);
    grab.width = Math.round(w0 * scale); grab.height = Math.round(h0 * scale);
    const g = grab.getContext("2d");
    g.setTransform(1, 0, 0, 1, 0, 0);
    if (ui.mirror.checked) { g.translate(grab.width, 0); g.scale(-1, 1); }
    g.drawImage(video, 0, 0, grab.width, grab.height);
    return new Promise((resolve) => grab.toBlob(resolve, "image/jpeg", quality));
  }

  async function pump() {
    try {
      await sendFrame();
    } catch (err) {
      say(`frame: ${err.message}`);
    }
    requestAnimationFrame(pump);
  }

  async function sendFrame() {
    const busy = inFlight !== null && performance.now() - sendTimes.get(inFlight) < 3000;
    if (inFlight !== null && !busy) { state.stalls += 1; inFlight = null; } // no answer in 3 s: move on
    if (state.mode === "camera" && state.cameraReady && state.connected && !busy && video.videoWidth > 0) {
      let blob = await frameBlob(0.8);
      if (blob && blob.size > maxFrameBytes) blob = await frameBlob(0.5);
      if (blob && blob.size <= maxFrameBytes && ws.readyState === WebSocket.OPEN) {
        const buffer = await blob.arrayBuffer();
        state.sent += 1;
        frameNo += 1;
        inFlight = frameNo;
        sendTimes.set(frameNo, performance.now());
        ws.send(buffer);
      }
    }
  }

  // ---- camera, upload, capture --------------------------------------------------------------------------
  async function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("No camera API here (open the page on 127.0.0.1, localhost or HTTPS). You can upload an image.");
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false,
      });
      video.srcObject = stream;
      await video.play();
      state.cameraReady = true;
      ui.capture.disabled = false;
    } catch (err) {
      say(`Camera unavailable (${err.name}): you can upload an image instead.`);
    }
  }

  function useCamera() {
    state.mode = "camera";
    still.hidden = true; video.hidden = false; ui.camera.hidden = true;
    ui.capture.disabled = !state.cameraReady;
    ctx.clearRect(0, 0, overlay.width, overlay.height);
  }

  let uploaded = null;

  async function postImage(path, blob) {
    const body = new FormData();
    body.append("file", blob, blob.name || "frame.jpg");
    const response = await fetch(`${path}?${query()}`, { method: "POST", body });
    const data = await response.json();
    if (!response.ok) throw new Error(data.detail || response.statusText);
    return data;
  }

  async function onUpload() {
    const file = ui.upload.files[0];
    if (!file) return;
    state.mode = "image"; uploaded = file;
    video.hidden = true; still.hidden = false; ui.camera.hidden = false; ui.capture.disabled = false;
    still.src = URL.createObjectURL(file);
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    try {
      const result = await postImage("/v1/detect", file);
      showResult(result);
      say(`${file.name}: ${result.hands.length} hand(s)`);
    } catch (err) {
      say(`${file.name}: ${err.message}`);
    }
  }

  async function capture() {
    ui.capture.disabled = true;
    try {
      const blob = state.mode === "image" ? uploaded : await frameBlob(0.92);
      const saved = await postImage("/v1/captures", blob);
      state.lastCaptureSent = await dataUrl(blob); // the exact image the server annotated (for tests)
      state.captures.push(saved);
      say(`saved ${saved.name} (${saved.hands.length} hand(s))`);
      await refreshGallery();
    } catch (err) {
      say(`capture failed: ${err.message}`);
    } finally {
      ui.capture.disabled = false;
    }
  }

  function dataUrl(blob) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
  }

  async function refreshGallery() {
    try {
      const response = await fetch("/v1/captures");
      const data = await response.json();
      ui.gallery.replaceChildren(...data.captures.map((c) => {
        const a = document.createElement("a");
        a.href = c.url; a.target = "_blank"; a.rel = "noopener"; a.dataset.name = c.name;
        const img = document.createElement("img");
        img.src = c.url; img.alt = c.name; img.loading = "lazy";
        const caption = document.createElement("span");
        caption.textContent = new Date(c.created * 1000).toLocaleString();
        a.append(img, caption);
        return a;
      }));
      ui.captureCount.textContent = `(${data.total})`;
      state.galleryNames = data.captures.map((c) => c.name);
    } catch (err) {
      say(`gallery: ${err.message}`);
    }
  }

  // The mirror option flips the frame before it is sent (as the classic tutorial's cv2.flip), so the video
  // shown, the landmarks and the captures all match; the <video> itself is flipped by CSS to agree.
  ui.mirror.addEventListener("change", () => video.classList.toggle("mirrored", ui.mirror.checked));
  ui.model.addEventListener("change", () => { sendConfig(); if (state.mode === "image") onUpload(); });
  ui.maxHands.addEventListener("change", () => { sendConfig(); if (state.mode === "image") onUpload(); });
  ui.thorough.addEventListener("change", () => { sendConfig(); if (state.mode === "image") onUpload(); });
  ui.upload.addEventListener("change", onUpload);
  ui.camera.addEventListener("click", useCamera);
  ui.capture.addEventListener("click", capture);
  video.classList.toggle("mirrored", ui.mirror.checked);

  connect();
  startCamera();
  refreshGallery();
  requestAnimationFrame(pump);
})();
