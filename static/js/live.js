/* The live link shared by the screens: Socket.IO namespace /live, one subscription
   per room, a snapshot on every (re)connect, `seq` gap detection per stream, events
   held back until their room's snapshot has arrived, a slow safety refresh, and the
   offline mark. OW.live(subs, handlers) -> {resubscribe(room), socket}. */
(function () {
  "use strict";
  var SAFETY_MS = 60000;

  function live(subs, handlers) {
    // R3: back within 5 s of the server: the retry delay never grows past 2 s (± 25 %
    // jitter, so that a hall of screens does not reconnect in one burst)
    var socket = io("/live", { reconnectionDelay: 500, reconnectionDelayMax: 2000,
                               randomizationFactor: 0.25 });
    var byRoom = {};     // client room -> subscription
    var streams = {};    // server stream -> {seq, ready, room}
    var pending = {};    // client room -> true while its snapshot is awaited
    var held = [];       // events whose stream has no snapshot yet
    var offline = document.getElementById("offline-mark");
    subs.forEach(function (s) { byRoom[s.room] = s; });

    function setOffline(on) {
      if (offline) { offline.hidden = !on; }
      document.body.classList.toggle("is-offline", on);
      if (handlers.connection) { handlers.connection(!on); }
    }

    function subscribe(room) {
      var s = byRoom[room];
      if (!s) { return; }
      pending[room] = true;
      Object.keys(streams).forEach(function (k) {
        if (streams[k].room === room) { streams[k].ready = false; }
      });
      socket.emit("subscribe", s);
    }

    function subscribeAll() { Object.keys(byRoom).forEach(subscribe); }

    function deliver(name, p) {
      var st = streams[p.stream];
      if (!st || !st.ready) { held.push([name, p]); if (held.length > 500) { held.shift(); } return; }
      if (typeof p.seq !== "number") { handlers.event(name, p, st.room); return; }
      if (p.seq <= st.seq) { return; }                 // already in the snapshot, or a duplicate
      if (p.seq !== st.seq + 1) { subscribe(st.room); held.push([name, p]); return; }  // a gap
      st.seq = p.seq;
      handlers.event(name, p, st.room);
    }

    socket.on("connect", function () { setOffline(false); subscribeAll(); });
    socket.on("disconnect", function () { setOffline(true); });
    socket.on("connect_error", function () { setOffline(true); });
    socket.on("snapshot", function (snap) {
      if (!snap || !byRoom[snap.room]) { return; }
      delete pending[snap.room];
      streams[snap.stream] = { seq: snap.seq || 0, ready: true, room: snap.room };
      handlers.snapshot(snap, snap.room);
      var waiting = held; held = [];
      waiting.sort(function (a, b) { return (a[1].seq || 0) - (b[1].seq || 0); });
      waiting.forEach(function (e) { deliver(e[0], e[1]); });
    });
    socket.on("error", function (err) { if (handlers.error) { handlers.error(err); } });
    ["ticket_called", "queue_changed", "window_changed", "ticket_updated", "notice_changed"]
      .forEach(function (name) {
        socket.on(name, function (p) { if (p && p.stream) { deliver(name, p); } });
      });
    setInterval(function () { if (socket.connected) { subscribeAll(); } }, SAFETY_MS);
    setOffline(false);
    return { socket: socket, resubscribe: subscribe };
  }

  /* The center's wall-clock time from the server's ISO time (with offset), whatever the
     TV box's own time zone: returns a Date whose UTC fields are the center's local time. */
  function clock() {
    var skew = 0, offsetMin = 480;
    return {
      sync: function (iso) {
        if (!iso) { return; }
        var t = Date.parse(iso);
        if (!isNaN(t)) { skew = t - Date.now(); }
        var m = /([+-])(\d\d):(\d\d)$/.exec(iso);
        if (m) { offsetMin = (m[1] === "-" ? -1 : 1) * (parseInt(m[2], 10) * 60 + parseInt(m[3], 10)); }
      },
      now: function () { return new Date(Date.now() + skew + offsetMin * 60000); }
    };
  }

  window.OW = window.OW || {};
  window.OW.live = live;
  window.OW.clock = clock;
  window.OW.config = function () {
    var el = document.getElementById("display-config");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  };
})();
