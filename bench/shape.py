"""The orchestration shape the engine benchmark runs on every engine: a go-live in small."""

from datetime import timedelta

POLLS = 20
TIMER = timedelta(milliseconds=10)  # real-clock engines wait it; virtual time skips it
