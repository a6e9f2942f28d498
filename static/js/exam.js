/*
 * The exam page. Plain JavaScript, no framework, no CDN: it must work on an old
 * office PC over a slow mountain link.
 *
 * - The server owns the clock: the countdown is the server's deadline, corrected by
 *   the offset between the server's clock (server_now in every response) and ours.
 * - Every click is saved at once (debounced 300 ms) with an increasing seq; the server
 *   keeps only the newest seq per question, so retries and replays are harmless.
 * - Unsaved answers wait in a queue in localStorage and are retried with backoff, and
 *   replayed after a reload or a crash.
 * - A later start elsewhere takes the sitting over: this page then stops saving.
 * - A heartbeat goes out after 20 s without a save (a save tells the server as much),
 *   so a candidate who is answering costs one request per answer, not two.
 * - At the deadline the server finalises the attempt itself; the page only waits for it.
 * - The question on screen is remembered in localStorage, so a reload reopens it.
 */
(function () {
  "use strict";

  var root = document.getElementById("exam");
  if (!root) return;

  var API = root.dataset.api;
  var RESULT_URL = root.dataset.resultUrl;
  var KEY = "exam:" + root.dataset.attempt + ":";
  var DEBOUNCE_MS = 300;
  var HEARTBEAT_MS = 20000;
  var HEARTBEAT_PAUSED_MS = 5000;
  var AFTER_DEADLINE_POLL_MS = 3000;
  var REQUEST_TIMEOUT_MS = 20000;
  var MAX_BACKOFF_MS = 30000;

  var TEXT = {
    saving: "Đang lưu…",
    saved: "Đã lưu",
    retry: "Chưa lưu được — sẽ thử lại",
    failed: "Không lưu được câu trả lời này",
    takeover: "Bài thi đã được mở ở một máy khác. Trang này đã ngừng lưu câu trả lời.",
    takeoverStart: "Bài thi đã được mở ở một máy khác. Nhập mã dự thi để tiếp tục làm bài trên máy này.",
    takeBack: "Tiếp tục làm bài trên máy này",
    paused: "Bài thi đang tạm dừng theo yêu cầu của giám thị. Thời gian tạm dừng sẽ được cộng bù.",
    offline: "Mất kết nối mạng — câu trả lời được giữ trên máy này và sẽ tự gửi khi có mạng.",
    online: "Đã kết nối",
    timeUp: "Hết giờ",
    login: "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại; câu trả lời chưa gửi vẫn được giữ trên máy này.",
    confirmFinish: "Bạn chắc chắn muốn nộp bài? Sau khi nộp sẽ không sửa được câu trả lời.",
    unansweredOne: "Bạn chưa trả lời câu {list}.",
    unansweredMany: "Bạn còn {n} câu chưa trả lời: câu {list}.",
    unsavedFinish: "Còn câu trả lời chưa lưu được lên máy chủ. Vui lòng kiểm tra kết nối mạng rồi nộp lại.",
    loadFailed: "Không tải được đề thi — đang thử lại…",
    startFailed: "Không bắt đầu được bài thi. Vui lòng thử lại.",
    question: "Câu",
    answered: "Đã trả lời",
    finishing: "Đang nộp bài…"
  };

  // --- state --------------------------------------------------------------------------
  var token = store("token");
  var paper = null; // {items: [...], layout, ...}
  var selections = {}; // position → [option ids]
  var statusOf = {}; // position → saving | saved | retry | failed
  var debounceTimers = {};
  var current = 0; // index shown in the one-question layout
  var offsetMs = 0; // server clock − our clock
  var deadlineMs = null;
  var pausedRemaining = null; // seconds, while paused
  var state = "idle"; // idle | running | paused | over | stopped
  var flushing = false;
  var failures = 0;
  var retryTimer = null;
  var heartbeatTimer = null;
  var tickTimer = null;

  var el = {
    banner: byId("exam-banner"),
    start: byId("exam-start"),
    startForm: byId("start-form"),
    startError: byId("start-error"),
    resumeNote: byId("start-resume-note"),
    run: byId("exam-run"),
    over: byId("exam-over"),
    clock: byId("exam-clock"),
    progress: byId("exam-progress"),
    net: byId("exam-net"),
    nav: byId("exam-nav"),
    questions: byId("exam-questions"),
    pager: byId("exam-pager"),
    prev: byId("prev-btn"),
    next: byId("next-btn"),
    finish: byId("finish-btn")
  };

  function byId(id) {
    return document.getElementById(id);
  }

  // --- localStorage (survives reloads and crashes) -------------------------------------
  function store(name, value) {
    try {
      if (arguments.length === 1) return window.localStorage.getItem(KEY + name);
      if (value === null) window.localStorage.removeItem(KEY + name);
      else window.localStorage.setItem(KEY + name, value);
    } catch (e) {
      /* private mode or full storage: the page still works online */
    }
    return null;
  }

  function loadQueue() {
    try {
      return JSON.parse(store("queue") || "{}") || {};
    } catch (e) {
      return {};
    }
  }
  var queue = loadQueue(); // position → {position, selected, seq, token}

  function saveQueue() {
    store("queue", JSON.stringify(queue));
  }

  function nextSeq(floor) {
    var n = Math.max(parseInt(store("seq") || "0", 10) || 0, floor || 0) + 1;
    store("seq", String(n));
    return n;
  }

  // --- HTTP -------------------------------------------------------------------------------
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function request(method, path, body, options) {
    var headers = { "X-CSRFToken": csrfToken(), Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers["X-Exam-Session"] = token;
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) init.body = JSON.stringify(body);
    if (options && options.keepalive) init.keepalive = true;
    var controller = window.AbortController ? new AbortController() : null;
    var timer = null;
    if (controller) {
      init.signal = controller.signal;
      timer = setTimeout(function () {
        controller.abort();
      }, REQUEST_TIMEOUT_MS);
    }
    var sentAt = Date.now();
    return fetch(API + path, init).then(
      function (response) {
        if (timer) clearTimeout(timer);
        var receivedAt = Date.now();
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            if (response.ok) syncClock(data, sentAt, receivedAt);
            return { status: response.status, data: data, code: data && data.error ? data.error.code : null };
          });
      },
      function (error) {
        if (timer) clearTimeout(timer);
        throw error;
      }
    );
  }

  function syncClock(data, sentAt, receivedAt) {
    if (!data) return;
    if (data.server_now) {
      // The server's clock at the middle of the round trip.
      offsetMs = Date.parse(data.server_now) - (sentAt + receivedAt) / 2;
    }
    if (data.deadline) deadlineMs = Date.parse(data.deadline);
    if (typeof data.remaining_seconds === "number") pausedRemaining = data.remaining_seconds;
  }

  function serverNow() {
    return Date.now() + offsetMs;
  }

  // --- banner and sections ----------------------------------------------------------------
  function banner(text, kind) {
    if (!text) {
      el.banner.hidden = true;
      el.banner.textContent = "";
      return;
    }
    el.banner.className = "exam-banner " + (kind || "warn");
    el.banner.textContent = text;
    el.banner.hidden = false;
  }

  function show(section) {
    el.start.hidden = section !== "start";
    el.run.hidden = section !== "run";
    el.over.hidden = section !== "over";
  }

  function setInputsEnabled(enabled) {
    var inputs = el.questions.querySelectorAll("input");
    for (var i = 0; i < inputs.length; i++) inputs[i].disabled = !enabled;
    el.finish.disabled = !enabled;
  }

  // --- start ------------------------------------------------------------------------------
  function showStart(note) {
    show("start");
    if (note) banner(note, "warn");
    el.resumeNote.hidden = root.dataset.status !== "in_progress" && root.dataset.status !== "paused";
    var code = byId("access-code");
    if (code) code.focus();
  }

  el.startForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = byId("access-code");
    el.startError.hidden = true;
    var button = byId("start-btn");
    button.disabled = true;
    token = null;
    request("POST", "/start", { access_code: code ? code.value : "" })
      .then(function (r) {
        button.disabled = false;
        if (r.status === 200) {
          token = r.data.session_token;
          store("token", token);
          dropStaleQueue();
          banner(null);
          state = "idle";
          loadPaper();
        } else if (r.code === "finished" || r.code === "time_up") {
          goToResult();
        } else {
          el.startError.textContent = (r.data.error && r.data.error.message) || TEXT.startFailed;
          el.startError.hidden = false;
        }
      })
      .catch(function () {
        button.disabled = false;
        el.startError.textContent = TEXT.startFailed;
        el.startError.hidden = false;
      });
  });

  function dropStaleQueue() {
    // Answers queued under an older session were superseded by the session that took
    // over from it; replaying them could overwrite newer answers given there.
    var changed = false;
    for (var pos in queue) {
      if (queue.hasOwnProperty(pos) && queue[pos].token !== token) {
        delete queue[pos];
        changed = true;
      }
    }
    if (changed) saveQueue();
  }

  // --- paper ------------------------------------------------------------------------------
  function loadPaper() {
    request("GET", "/paper")
      .then(function (r) {
        if (r.status === 200) {
          store("paper", JSON.stringify(r.data));
          begin(r.data);
        } else if (r.code === "session_taken_over") {
          token = null;
          store("token", null);
          showStart(TEXT.takeoverStart);
        } else if (r.code === "finished") {
          goToResult();
        } else if (r.code === "not_started" || r.status === 404) {
          token = null;
          store("token", null);
          showStart();
        } else if (r.status === 401 || r.status === 403) {
          banner(TEXT.login, "error");
        } else {
          retryLoad();
        }
      })
      .catch(function () {
        // Offline on a reload: carry on from the copy of the paper kept on this machine.
        var cached = null;
        try {
          cached = JSON.parse(store("paper") || "null");
        } catch (e) {
          cached = null;
        }
        if (cached && state === "idle") {
          banner(TEXT.offline, "warn");
          begin(cached);
        } else if (state === "idle") {
          banner(TEXT.loadFailed, "warn");
          retryLoad();
        }
      });
  }

  function retryLoad() {
    setTimeout(loadPaper, 3000);
  }

  function begin(data) {
    paper = data;
    if (data.deadline) deadlineMs = Date.parse(data.deadline);
    nextSeq(data.max_seq || 0); // never reuse a seq the server already holds
    selections = {};
    statusOf = {};
    for (var i = 0; i < data.items.length; i++) {
      var item = data.items[i];
      selections[item.position] = item.selected.slice();
      if (item.seq > 0) statusOf[item.position] = "saved";
    }
    // Answers not yet on the server are newer than what it sent.
    for (var pos in queue) {
      if (queue.hasOwnProperty(pos) && queue[pos].token === token && selections.hasOwnProperty(pos)) {
        selections[pos] = queue[pos].selected.slice();
        statusOf[pos] = "saving";
      }
    }
    // Reopen at the question the candidate was on before the reload.
    var remembered = parseInt(store("current") || "0", 10);
    current = remembered >= 0 && remembered < data.items.length ? remembered : 0;
    render();
    show("run");
    if (data.layout === "all" && current > 0) byId("q-" + data.items[current].position).scrollIntoView();
    state = data.status === "paused" ? "paused" : "running";
    if (state === "paused") enterPaused();
    else setInputsEnabled(true);
    startTimers();
    flush();
  }

  // --- rendering (textContent only: question text is data, never markup) ---------------------
  function render() {
    el.questions.textContent = "";
    el.nav.textContent = "";
    var layoutAll = paper.layout === "all";
    for (var i = 0; i < paper.items.length; i++) {
      el.questions.appendChild(renderQuestion(paper.items[i], i));
      el.nav.appendChild(renderNavButton(paper.items[i], i));
    }
    el.pager.hidden = layoutAll;
    showCurrent();
    updateProgress();
  }

  function renderQuestion(item, index) {
    var box = document.createElement("div");
    box.className = "card question";
    box.id = "q-" + item.position;
    box.dataset.position = item.position;
    var head = document.createElement("div");
    head.className = "q-head";
    var title = document.createElement("strong");
    title.textContent = TEXT.question + " " + (index + 1) + (item.part ? " — " + item.part : "");
    var status = document.createElement("span");
    status.className = "q-status";
    status.id = "q-status-" + item.position;
    head.appendChild(title);
    head.appendChild(status);
    box.appendChild(head);
    var text = document.createElement("p");
    text.className = "q-text";
    text.textContent = item.text;
    box.appendChild(text);
    if (item.image) {
      var img = document.createElement("img");
      img.src = item.image;
      img.alt = "";
      box.appendChild(img);
    }
    var list = document.createElement("ul");
    list.className = "options";
    var type = item.kind === "multiple" ? "checkbox" : "radio";
    for (var j = 0; j < item.options.length; j++) {
      var option = item.options[j];
      var li = document.createElement("li");
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = type;
      input.name = "q" + item.position;
      input.value = option.id;
      input.checked = (selections[item.position] || []).indexOf(option.id) >= 0;
      input.addEventListener("change", onChange(item.position));
      var span = document.createElement("span");
      span.textContent = String.fromCharCode(65 + j) + ". " + option.text;
      label.appendChild(input);
      label.appendChild(span);
      li.appendChild(label);
      list.appendChild(li);
    }
    box.appendChild(list);
    setTimeout(function () {
      paintStatus(item.position);
    }, 0);
    return box;
  }

  function renderNavButton(item, index) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = String(index + 1);
    b.id = "nav-" + item.position;
    b.addEventListener("click", function () {
      current = index;
      showCurrent();
      if (paper.layout === "all") byId("q-" + item.position).scrollIntoView();
    });
    return b;
  }

  function showCurrent() {
    var layoutAll = paper.layout === "all";
    for (var i = 0; i < paper.items.length; i++) {
      var position = paper.items[i].position;
      byId("q-" + position).hidden = !layoutAll && i !== current;
      paintNav(position, i === current);
    }
    el.prev.disabled = current === 0;
    el.next.disabled = current === paper.items.length - 1;
    store("current", String(current));
  }

  el.prev.addEventListener("click", function () {
    if (current > 0) current -= 1;
    showCurrent();
  });
  el.next.addEventListener("click", function () {
    if (paper && current < paper.items.length - 1) current += 1;
    showCurrent();
  });

  function paintNav(position, isCurrent) {
    var b = byId("nav-" + position);
    if (!b) return;
    var classes = [];
    if ((selections[position] || []).length) classes.push("answered");
    if (statusOf[position] === "retry" || statusOf[position] === "failed") classes.push("unsaved");
    if (isCurrent) classes.push("current");
    b.className = classes.join(" ");
  }

  function paintStatus(position) {
    var s = byId("q-status-" + position);
    if (!s) return;
    var status = statusOf[position] || "";
    s.className = "q-status " + status;
    s.textContent = status ? TEXT[status] : "";
    var index = indexOf(position);
    paintNav(position, index === current);
  }

  function indexOf(position) {
    for (var i = 0; paper && i < paper.items.length; i++) if (String(paper.items[i].position) === String(position)) return i;
    return -1;
  }

  function updateProgress() {
    var n = 0;
    for (var i = 0; i < paper.items.length; i++) if ((selections[paper.items[i].position] || []).length) n += 1;
    el.progress.textContent = TEXT.answered + ": " + n + "/" + paper.items.length;
  }

  // --- saving -----------------------------------------------------------------------------
  function onChange(position) {
    return function () {
      if (state !== "running") return;
      var inputs = el.questions.querySelectorAll('input[name="q' + position + '"]');
      var chosen = [];
      for (var i = 0; i < inputs.length; i++) if (inputs[i].checked) chosen.push(inputs[i].value);
      selections[position] = chosen;
      statusOf[position] = "saving";
      paintStatus(position);
      updateProgress();
      clearTimeout(debounceTimers[position]);
      debounceTimers[position] = setTimeout(function () {
        queue[position] = { position: Number(position), selected: chosen, seq: nextSeq(0), token: token };
        saveQueue();
        flush();
      }, DEBOUNCE_MS);
    };
  }

  function oldestQueued() {
    var best = null;
    for (var pos in queue) {
      if (!queue.hasOwnProperty(pos) || queue[pos].token !== token) continue;
      if (best === null || queue[pos].seq < best.seq) best = queue[pos];
    }
    return best;
  }

  function flush() {
    if (flushing || (state !== "running" && state !== "over") || !token) return;
    var entry = oldestQueued();
    if (!entry) return;
    flushing = true;
    request("POST", "/answers", { position: entry.position, selected: entry.selected, seq: entry.seq })
      .then(function (r) {
        flushing = false;
        if (r.status === 200) {
          failures = 0;
          netState(true);
          settle(entry, "saved");
          if (state === "running") scheduleHeartbeat(); // a save is a heartbeat too
          flush();
        } else if (r.status === 422) {
          settle(entry, "failed");
          flush();
        } else if (r.code === "session_taken_over") {
          takenOver();
        } else if (r.code === "paused") {
          enterPaused();
        } else if (r.code === "time_up" || r.code === "finished") {
          markQueued("failed");
          timeUp();
        } else if (r.status === 401 || r.status === 403) {
          banner(TEXT.login, "error");
          retryLater();
        } else {
          retryLater();
        }
      })
      .catch(function () {
        flushing = false;
        netState(false);
        retryLater();
      });
  }

  function settle(entry, status) {
    var pos = entry.position;
    if (queue[pos] && queue[pos].seq === entry.seq) {
      delete queue[pos];
      saveQueue();
      statusOf[pos] = status;
    }
    if (status === "saved") remember(entry);
    paintStatus(pos);
  }

  function remember(entry) {
    // Keep this machine's copy of the paper in step with the server, so a reload
    // while offline shows what was saved, not what was there at the start.
    var index = indexOf(entry.position);
    if (index < 0) return;
    paper.items[index].selected = entry.selected.slice();
    paper.items[index].seq = entry.seq;
    store("paper", JSON.stringify(paper));
  }

  function markQueued(status) {
    for (var pos in queue) {
      if (queue.hasOwnProperty(pos)) {
        statusOf[pos] = status;
        paintStatus(pos);
      }
    }
  }

  function retryLater() {
    markQueued("retry");
    failures += 1;
    var delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, Math.min(failures - 1, 5)));
    delay = delay / 2 + Math.random() * (delay / 2); // spread retries after an outage
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, delay);
  }

  function netState(online) {
    el.net.textContent = online ? "" : TEXT.offline;
  }

  window.addEventListener("online", function () {
    failures = 0;
    netState(true);
    sendEvent("online", {});
    flush();
  });
  window.addEventListener("offline", function () {
    netState(false);
  });

  // --- clock, heartbeat, pause ----------------------------------------------------------------
  function startTimers() {
    clearInterval(tickTimer);
    tickTimer = setInterval(tick, 1000);
    tick();
    scheduleHeartbeat();
  }

  function scheduleHeartbeat() {
    clearTimeout(heartbeatTimer);
    var every = state === "running" ? HEARTBEAT_MS : state === "over" ? AFTER_DEADLINE_POLL_MS : HEARTBEAT_PAUSED_MS;
    if (state === "stopped") return;
    heartbeatTimer = setTimeout(beat, every);
  }

  function beat() {
    request("POST", "/heartbeat", {})
      .then(function (r) {
        if (r.status === 200) {
          netState(true);
          var d = r.data;
          if (!d.active && d.status !== "finalized" && d.status !== "terminated") return takenOver();
          if (d.status === "finalized" || d.status === "terminated") return goToResult();
          if (d.status === "paused" && state === "running") enterPaused();
          else if (d.status === "in_progress" && state === "paused") leavePaused();
          else if (d.status === "in_progress" && state === "over" && deadlineMs > serverNow() + 1000) {
            // A proctor extended the time after it had run out here: carry on.
            state = "running";
            show("run");
            banner(null);
            setInputsEnabled(true);
          }
        } else if (r.code === "session_taken_over") {
          return takenOver();
        }
        scheduleHeartbeat();
      })
      .catch(function () {
        netState(false);
        scheduleHeartbeat();
      });
  }

  function tick() {
    var seconds;
    if (state === "paused" && pausedRemaining !== null) seconds = pausedRemaining;
    else if (deadlineMs !== null) seconds = Math.max(0, Math.floor((deadlineMs - serverNow()) / 1000));
    else return;
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    el.clock.textContent = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
    el.clock.className = "exam-clock" + (seconds < 300 ? " low" : "");
    if (seconds <= 0 && state === "running") timeUp();
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function enterPaused() {
    if (state === "over" || state === "stopped") return;
    state = "paused";
    setInputsEnabled(false);
    banner(TEXT.paused, "warn");
    scheduleHeartbeat();
  }

  function leavePaused() {
    state = "running";
    banner(null);
    setInputsEnabled(true);
    pausedRemaining = null;
    flush();
  }

  function takenOver() {
    state = "stopped";
    clearTimeout(heartbeatTimer);
    clearTimeout(retryTimer);
    setInputsEnabled(false);
    token = null;
    store("token", null);
    banner(TEXT.takeover, "error");
    var again = document.createElement("button");
    again.type = "button";
    again.textContent = TEXT.takeBack;
    again.style.marginLeft = "1rem";
    again.addEventListener("click", function () {
      location.reload();
    });
    el.banner.appendChild(again);
  }

  function timeUp() {
    if (state === "over" || state === "stopped") return;
    state = "over";
    setInputsEnabled(false);
    el.clock.textContent = "00:00";
    banner(TEXT.timeUp, "error");
    show("over");
    flush(); // the server still accepts saves for a few seconds of network grace
    scheduleHeartbeat(); // poll until the server has finalised, then show the result
  }

  function goToResult() {
    state = "stopped";
    clearInterval(tickTimer);
    clearTimeout(heartbeatTimer);
    store("token", null);
    store("paper", null);
    store("queue", null);
    store("seq", null);
    store("current", null);
    window.location.href = RESULT_URL;
  }

  // --- voluntary submit -----------------------------------------------------------------------
  function finishQuestion() {
    // Name the questions left blank (by their number on this paper) before asking.
    var blank = [];
    for (var i = 0; i < paper.items.length; i++) {
      if (!(selections[paper.items[i].position] || []).length) blank.push(i + 1);
    }
    if (!blank.length) return TEXT.confirmFinish;
    var note = (blank.length === 1 ? TEXT.unansweredOne : TEXT.unansweredMany)
      .replace("{n}", String(blank.length))
      .replace("{list}", blank.join(", "));
    return note + "\n" + TEXT.confirmFinish;
  }

  el.finish.addEventListener("click", function () {
    if (state !== "running" || !window.confirm(finishQuestion())) return;
    el.finish.disabled = true;
    el.finish.textContent = TEXT.finishing;
    flush();
    var waited = 0;
    (function waitForQueue() {
      if (!oldestQueued()) {
        request("POST", "/finalize", {})
          .then(function (r) {
            if (r.status === 200 || r.code === "finished") goToResult();
            else if (r.code === "session_taken_over") takenOver();
            else {
              el.finish.disabled = false;
              window.alert((r.data.error && r.data.error.message) || TEXT.unsavedFinish);
            }
          })
          .catch(function () {
            el.finish.disabled = false;
            window.alert(TEXT.unsavedFinish);
          });
        return;
      }
      waited += 250;
      if (waited > 15000) {
        el.finish.disabled = false;
        window.alert(TEXT.unsavedFinish);
        return;
      }
      setTimeout(waitForQueue, 250);
    })();
  });

  // --- focus and visibility (for the proctors; never blocks the candidate) ---------------------
  function sendEvent(kind, detail) {
    if (!token || (state !== "running" && state !== "paused")) return;
    request("POST", "/events", { kind: kind, detail: detail || {} }, { keepalive: true }).catch(function () {});
  }

  window.addEventListener("blur", function () {
    sendEvent("focus_lost");
  });
  window.addEventListener("focus", function () {
    sendEvent("focus_back");
  });
  document.addEventListener("visibilitychange", function () {
    sendEvent(document.hidden ? "tab_hidden" : "tab_visible");
    if (!document.hidden) flush();
  });

  // --- go ---------------------------------------------------------------------------------------
  if (token) loadPaper();
  else showStart();
})();
