"""Synthesises the announcement chime (a two-tone "ding-dong") and a short silence,
with the standard library only: `python -m service_center.live.chime` writes
static/audio/chime.wav and static/audio/silence.wav. No downloaded media."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050
AUDIO_DIR = Path(__file__).resolve().parents[2] / "static" / "audio"


def _tone(freq: float, seconds: float, volume: float) -> list[float]:
    n = int(RATE * seconds)
    out = []
    for i in range(n):
        t = i / RATE
        envelope = min(1.0, t / 0.01) * math.exp(-3.2 * t)  # soft attack, bell-like decay
        sample = (math.sin(2 * math.pi * freq * t) + 0.35 * math.sin(2 * math.pi * 2 * freq * t)
                  + 0.12 * math.sin(2 * math.pi * 3 * freq * t))
        out.append(volume * envelope * sample / 1.47)
    return out


def chime_samples() -> list[float]:
    ding = _tone(880.0, 0.55, 0.8)   # A5
    dong = _tone(698.46, 0.9, 0.8)   # F5
    return ding + dong


def write_wav(path: Path, samples: list[float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"".join(struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32767))
                                 for s in samples))


def main() -> None:
    write_wav(AUDIO_DIR / "chime.wav", chime_samples())
    write_wav(AUDIO_DIR / "silence.wav", [0.0] * (RATE // 10))
    print(f"wrote {AUDIO_DIR / 'chime.wav'} and silence.wav")


if __name__ == "__main__":
    main()
