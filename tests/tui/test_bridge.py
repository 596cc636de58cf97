"""The worker → UI bridge: progress replaces progress, other events keep their order."""

from __future__ import annotations

import threading

from harness import events as ev
from tui.bridge import EventForwarder, HarnessEvent, ProgressTick


def test_a_fast_producer_posts_one_tick_until_the_ui_drains() -> None:
    posted: list[object] = []
    forwarder = EventForwarder(posted.append)

    def produce() -> None:
        for i in range(10_000):
            forwarder(ev.CandidateProgress("lightgbm", "fit", i / 9_999, f"round {i}"))
            forwarder(ev.CandidateProgress("xgboost", "fit", i / 9_999))

    thread = threading.Thread(target=produce)
    thread.start()
    thread.join()
    assert forwarder.received == 20_000
    assert [type(m) for m in posted] == [ProgressTick]  # nobody drained: one tick, not 20,000 messages
    latest = {p.name: p for p in forwarder.take()}
    assert latest["lightgbm"].fraction == 1.0 and latest["lightgbm"].message == "round 9999"
    assert latest["xgboost"].fraction == 1.0
    assert forwarder.take() == []
    forwarder(ev.CandidateProgress("lightgbm", "measure", 0.5))
    assert [type(m) for m in posted] == [ProgressTick, ProgressTick]


def test_other_events_are_posted_in_order() -> None:
    posted: list[object] = []
    forwarder = EventForwarder(posted.append)
    events = [ev.StepStarted("data"), ev.Log("hello"), ev.StepFinished("data", 0.1)]
    for e in events:
        forwarder(e)
    assert [m.event for m in posted if isinstance(m, HarnessEvent)] == events
