"""What a slide says, within the theme's word budget (deck.max_words).

A slide is read while the presenter talks: it carries one message and a few supporting points,
never a wall of text. The planner asks this module which points a slide shows; what is left
out stays in the speaker notes, which keep the whole text. Pure: words are counted, not
measured.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from .cite import plain
from .model import Para, Span

# The most points a slide beside a figure, chart or table shows: the visual is the message.
VISUAL_POINTS = 3


@dataclass(frozen=True)
class Points:
    """A slide's paragraphs, each one's bullet level (None: no bullet) and list number."""

    paras: tuple[Para, ...]
    levels: tuple[int | None, ...]
    numbers: tuple[int | None, ...]  # () where none is numbered

    def words(self) -> int:
        return sum(count_words(p) for p in self.paras)

    def first(self, count: int) -> Points:
        numbers = self.numbers[:count] if any(n is not None for n in self.numbers[:count]) else ()
        return Points(self.paras[:count], self.levels[:count], numbers)


def count_words(para: Para) -> int:
    """The words a reader reads: a citation mark ([3]) is not one."""
    return len("".join(span.text for span in para if not span.cites).split())


def emphasised(para: Para) -> Para:
    """The paragraph in bold, its citations as they are: a slide's one message."""
    return tuple(replace(span, bold=True) if not span.cites else span for span in para)


def joined(paras: tuple[Para, ...]) -> Para:
    """Sentences as one paragraph."""
    out: list[Span] = []
    for p in paras:
        if out:
            out.append(Span(" "))
        out += p
    return tuple(out)


def within(points: Points, budget: int, keep: int = 1) -> Points:
    """The first points that together stay within budget words (at least keep of them: a
    sentence is never cut, so one too long is shown whole). Stops at the first that does not
    fit, so a slide never skips a point and shows a later one."""
    total, count = 0, 0
    for p in points.paras:
        total += count_words(p)
        if total > budget and count >= keep:
            break
        count += 1
    return points.first(count)


def section_points(takeaway: Para, bullets: tuple[Para, ...], levels: tuple[int, ...],
                   numbers: tuple[int | None, ...], budget: int) -> Points:
    """A section's slide without bullets of the author's: its takeaway, then the body's list
    items or each paragraph's first sentence (not the takeaway again), as the budget allows."""
    said = " ".join(plain(takeaway).split())
    rows = [(p, levels[i] if i < len(levels) else 0, numbers[i] if i < len(numbers) else None)
            for i, p in enumerate(bullets)]
    rows = [r for r in rows if " ".join(plain(r[0]).split()) != said]
    paras = (emphasised(takeaway),) + tuple(p for p, _, _ in rows)
    shown_numbers = (None,) + tuple(n for _, _, n in rows)
    return within(Points(paras, (None,) + tuple(lv for _, lv, _ in rows),
                         shown_numbers if any(n is not None for n in shown_numbers) else ()),
                  budget)


def sentences_within(sentences: tuple[Para, ...], budget: int) -> tuple[Para, int]:
    """As many of a paragraph's sentences as the budget allows (the first at least), as one
    paragraph, and how many there are."""
    shown = within(Points(sentences, (None,) * len(sentences), ()), budget)
    return joined(shown.paras), len(shown.paras)


def balanced(words: list[int], budget: int) -> list[range]:
    """Items in order on the fewest slides that keep each within budget words (an item over
    it alone on one), spread so the fullest slide holds as few as can be: the least load at
    which filling one slide after another takes no more slides."""
    def fill(limit: int) -> list[range]:
        parts, start, total = [], 0, 0
        for i, count in enumerate(words):
            if i > start and total + count > limit:
                parts.append(range(start, i))
                start, total = i, 0
            total += count
        return parts + [range(start, len(words))] if words else []

    fewest = len(fill(budget))
    low, high = 0, budget  # an item over the limit is alone on its slide, at any limit
    while low < high:  # the least limit that needs no more slides than the budget does
        mid = (low + high) // 2
        if len(fill(mid)) <= fewest:
            high = mid
        else:
            low = mid + 1
    return fill(low)
