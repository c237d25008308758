"""One loop timer for many deferrals (cogs/shared_timer.py): each item starts once, never before its own time,
and an item discarded in time never starts."""

import asyncio

from cogs.shared_timer import TIMER_SLACK_SECONDS, SharedTimer


class Item:
    def __init__(self, name: str, started: list, done: asyncio.Event | None = None):
        self.name, self.started, self.done = name, started, done
        self.deadline = 0.0

    def start(self) -> None:
        self.started.append((self.name, asyncio.get_running_loop().time(), self.deadline))
        if self.done is not None:
            self.done.set()


async def test_items_start_in_turn_at_their_own_time_and_discarded_ones_never():
    timer, started, last = SharedTimer(0.05), [], asyncio.Event()
    first, dropped, second = Item("first", started), Item("dropped", started), Item("second", started)
    timer.add(first)
    timer.add(dropped)
    timer.discard(dropped)  # before it is due, however slow the machine (after a 0.02 s sleep it could be late)
    await asyncio.sleep(0.02)
    timer.add(second)
    timer.add(Item("last", started, last))
    await asyncio.wait_for(last.wait(), timeout=10)
    assert [name for name, _, _ in started] == ["first", "second", "last"]
    assert all(at >= deadline - TIMER_SLACK_SECONDS for _, at, deadline in started)


async def test_a_timer_left_set_on_a_closed_loop_is_set_again_on_the_next():
    timer, started = SharedTimer(0.01), []
    abandoned = Item("abandoned", started)

    async def add_and_leave():
        timer.add(abandoned)  # the loop ends before it is due

    def in_a_new_loop():
        asyncio.run(add_and_leave())

    await asyncio.get_running_loop().run_in_executor(None, in_a_new_loop)
    done = asyncio.Event()
    timer.discard(abandoned)
    timer.add(Item("here", started, done))
    await asyncio.wait_for(done.wait(), timeout=10)
    assert [name for name, _, _ in started] == ["here"]
