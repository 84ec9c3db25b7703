"""Announcements: the one sentence template, and audio synthesised on this server by
espeak-ng (never an online service) for screens whose browser has no Chinese voice.
Only sentences built from the template are synthesised, so the endpoint cannot be
used to make the hall's speakers say anything else; results are cached on disk by
the hash of the text."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

from flask import current_app

NUMBER_RE = re.compile(r"^[A-Z]{1,4}[0-9]{1,5}$")
LANGS = {"zh": "cmn", "en": "en"}
# The sentence the hall hears; fixed Chinese (and English) whatever the page's language.
TEMPLATES = {
    "zh": "请 {number} 号到 {window} 号窗口办理",
    "en": "Number {number}, please go to window {window}",
}


class VoiceUnavailable(RuntimeError):
    pass


def announcement(number: str, window: int, lang: str = "zh") -> str:
    return TEMPLATES[lang].format(number=number, window=window)


def _spoken(number: str, window: int, lang: str) -> str:
    """What the engine is given: letters and digits spelt one by one (A 0 1 2, not
    "A twelve"), as halls announce them."""
    letters = " ".join(number)
    return TEMPLATES[lang].format(number=letters, window=window)


def cache_dir() -> Path:
    path = Path(current_app.instance_path) / "voice"
    path.mkdir(parents=True, exist_ok=True)
    return path


def synthesize(number: str, window: int, lang: str = "zh") -> Path:
    """The WAV file for one announcement, made once and then served from the cache."""
    text = announcement(number, window, lang)
    digest = hashlib.sha256(f"{lang}\n{text}".encode()).hexdigest()
    target = cache_dir() / f"{digest}.wav"
    if target.exists() and target.stat().st_size > 44:
        return target
    engine = shutil.which("espeak-ng")
    if engine is None:
        raise VoiceUnavailable("espeak-ng is not installed")
    try:
        done = subprocess.run(
            [engine, "-v", LANGS[lang], "-s", "150", "--stdout", _spoken(number, window, lang)],
            capture_output=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise VoiceUnavailable(str(exc)) from exc
    if len(done.stdout) <= 44:
        raise VoiceUnavailable("espeak-ng produced no audio")
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(done.stdout)
    os.replace(partial, target)  # atomic: a concurrent request never reads half a file
    return target
