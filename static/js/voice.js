/* Announcements for the hall's speaker screen: a chime, then the sentence, spoken
   `repeat` times, in a queue so that none cuts another. The browser's zh-CN voice when
   there is one; otherwise audio synthesised by the server (espeak-ng, cached); the
   chime alone when neither works. OW.Voice(config) -> {announce(call), unlock(), ready}. */
(function () {
  "use strict";

  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function Voice(cfg) {
    var queue = [];
    var running = false;
    var unlocked = false;
    var chime = new Audio(cfg.chime);
    chime.preload = "auto";
    var synth = window.speechSynthesis || null;

    function findVoice(prefix) {
      if (!synth || !synth.getVoices) { return null; }
      var voices = synth.getVoices() || [];
      for (var i = 0; i < voices.length; i++) {
        var lang = (voices[i].lang || "").toLowerCase().replace("_", "-");
        if (lang.indexOf(prefix) === 0) { return voices[i]; }
      }
      return null;
    }

    // Resolve when the clip ends, fails, or runs too long: the queue never stalls.
    function play(audio, limitMs) {
      return new Promise(function (resolve) {
        var done = false;
        function finish(ok) { if (!done) { done = true; resolve(ok); } }
        audio.onended = function () { finish(true); };
        audio.onerror = function () { finish(false); };
        setTimeout(function () { finish(false); }, limitMs);
        try {
          audio.currentTime = 0;
          var p = audio.play();
          if (p && p.catch) { p.catch(function () { finish(false); }); }
        } catch (e) { finish(false); }
      });
    }

    function speakBrowser(text, voice, lang) {
      return new Promise(function (resolve) {
        var done = false;
        function finish() { if (!done) { done = true; resolve(); } }
        var u = new SpeechSynthesisUtterance(text);
        u.lang = lang; u.rate = 0.9;
        try { u.voice = voice; } catch (e) { /* a voice object the engine does not know */ }
        u.onend = finish; u.onerror = finish;
        setTimeout(finish, 15000);
        synth.speak(u);
      });
    }

    function speakServer(call, lang) {
      var url = cfg.voice_url + "?hall=" + encodeURIComponent(cfg.hall) +
        "&number=" + encodeURIComponent(call.number) +
        "&window=" + encodeURIComponent(call.window_number) + "&lang=" + lang;
      return play(new Audio(url), 15000);
    }

    function say(call, lang) {
      var text = cfg.templates[lang].replace("{number}", call.number)
        .replace("{window}", call.window_number);
      var voice = findVoice(lang === "zh" ? "zh" : "en");
      if (voice) { return speakBrowser(text, voice, lang === "zh" ? "zh-CN" : "en-US"); }
      return speakServer(call, lang);
    }

    function next() {
      if (running || !queue.length) { return; }
      running = true;
      var call = queue.shift();
      var steps = play(chime, 3000);
      for (var i = 0; i < cfg.repeat; i++) {
        steps = steps.then(function () { return say(call, "zh"); }).then(function () { return wait(600); });
      }
      if (cfg.voice_en) {
        steps = steps.then(function () { return say(call, "en"); }).then(function () { return wait(600); });
      }
      steps.catch(function () {}).then(function () { running = false; next(); });
    }

    return {
      announce: function (call) {
        if (queue.length > 20) { queue.shift(); }  // a backlog is stale: keep the newest
        queue.push(call);
        if (unlocked) { next(); }
      },
      unlock: function () {
        unlocked = true;
        if (synth && synth.getVoices) { synth.getVoices(); }  // starts loading the voice list
        next();
      },
      tryAutoUnlock: function () {
        // Kiosk-mode browsers may allow sound without a touch: try a silent clip.
        var probe = new Audio(cfg.silence);
        try {
          var p = probe.play();
          if (p && p.then) { return p.then(function () { return true; }, function () { return false; }); }
        } catch (e) { /* fall through */ }
        return Promise.resolve(false);
      },
      pending: function () { return queue.length + (running ? 1 : 0); }
    };
  }

  window.OW = window.OW || {};
  window.OW.Voice = Voice;
})();
