"""Bounds on a theme's templates: a theme from elsewhere may carry templates that loop without
end or build gigabytes. render_templates runs the CSS and a page template under them and turns
whatever stops them, or any error a template raises, into a BriefError at the template's line."""
from __future__ import annotations

import signal
import threading
import weakref

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .errors import BriefError, Loc


def render_templates(env: jinja2.Environment, kind: str, context: dict, brief,
                     theme_source, css_only: bool = False) -> str:
    """style.css, then {kind}.html with that CSS, under the bounds below; brief: whose renders
    share one time budget in this process. css_only: style.css alone, rendered ahead of the
    brief's renders for a warm-up, under a budget of its own (AHEAD_SECONDS): it leaves the
    brief's budget whole, and a slow style sheet is left to the renders that need it."""
    bounds = _bounded(None, AHEAD_SECONDS) if css_only else _bounded(brief)
    try:
        with bounds:
            css = _render(env, "style.css", context)
            if css_only:
                return css
            return _render(env, f"{kind}.html", dict(context, css=Markup(css)), len(css))
    except jinja2.TemplateSyntaxError as e:
        raise BriefError.at(Loc(e.filename or e.name or "template", e.lineno or 1),
                            f"template error: {e.message}") from None
    except _OutOfTime as e:
        raise BriefError.at(_bound_loc(e, theme_source), (
            f"the theme's template ran for more than {TEMPLATE_SECONDS:g} seconds: a loop "
            "that does not end, or one far too long?")) from None
    except _TooLarge as e:
        raise BriefError.at(_bound_loc(e, theme_source), str(e)) from None
    except MemoryError as e:
        raise BriefError.at(_bound_loc(e, theme_source), (
            f"the theme's template needed more than {TEMPLATE_MEMORY // 1_000_000} MB of "
            "memory: a text or list that grows without end?")) from None
    except BriefError:  # said where already (a template refused by theme._FolderLoader)
        raise
    except Exception as e:  # noqa: BLE001 - a theme's template can raise anything; say where
        raise BriefError.at(_template_loc(e) or Loc(str(theme_source)),
                            f"the theme's templates failed: {type(e).__name__}: {e}") from None


def compile_templates(env: jinja2.Environment, names: list[str], brief) -> None:
    """Compile templates ahead of their render, under the same bounds. One that fails is left
    to its render, which says where."""
    try:
        with _bounded(brief):
            for name in names:
                env.get_template(name)
    except (Exception, _OutOfTime):  # noqa: BLE001 - said by the render
        pass


def _bound_loc(e: BaseException, theme_source) -> Loc:
    """Where a bound stopped a render: the line being written or run, else the template being
    compiled, else the theme."""
    return getattr(e, "loc", None) or _template_loc(e) or Loc(str(theme_source))


def _template_loc(e: BaseException) -> Loc | None:
    """The template file and line an error happened at, from its traceback: Jinja rewrites it
    to template lines for an Exception, but not for _OutOfTime, whose frames are the compiled
    templates' own (their line is mapped back here)."""
    tb, found = e.__traceback__, None
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        name = tb.tb_frame.f_code.co_filename
        if template is not None and template.filename:
            found = Loc(template.filename, template.get_corresponding_lineno(tb.tb_lineno))
        elif name.endswith((".html", ".css")):
            found = Loc(name, tb.tb_lineno)
        tb = tb.tb_next
    return found


# Three bounds stop them, each at little cost (under 0.1 ms a render, against 4 ms for the memo):
# - time: a processor-time timer (SIGVTALRM) whose handler raises in the template's code, which
#   it interrupts between two steps wherever it is: in a loop that writes nothing as well;
# - output: what a render writes, counted chunk by chunk as it is written;
# - memory: the process's address space, capped for the render (RLIMIT_AS): an allocation past
#   it fails there and then, in any filter or method a template calls, which no list of them
#   would cover; and the arithmetic that makes large values in one step ('x' * 10**9, 2 ** 10**9:
#   one long C call that no timer interrupts) is refused before it runs.
# The timer works in the main thread of a process, where briefgen renders (a build's children
# and batch workers are forked, so theirs is the main thread too); elsewhere the bounds on
# output, values and memory still hold.

# Processor seconds the templates may run for one brief in one process, over all its renders:
# the handout's fitting renders several times, and a per-render bound would let a slow
# template take that many times as long. The largest brief the limits allow (200 sections,
# 900 kB) takes 0.22 s for the memo and 0.1 s for each handout render; the example 5 ms.
TEMPLATE_SECONDS = 2.0
# Characters one render may write: ten times the memo of that largest brief (1.0 million).
TEMPLATE_OUTPUT = 10_000_000
# Bytes a render may add to the process: that output in four-byte characters, twice over while
# it is joined, with room to spare; the whole process stays well under 500 MB.
TEMPLATE_MEMORY = 200_000_000
TEMPLATE_DIGITS = 30_000  # the longest number a template may compute
_BITS = TEMPLATE_DIGITS * 10 // 3  # a decimal digit is 3.32 bits: a little more, not less


class _OutOfTime(BaseException):
    """Raised by the timer in the template's code. Not an Exception: a template's call into code
    that catches Exception must not swallow it."""


class _TooLarge(Exception):
    pass


class BoundedSandbox(SandboxedEnvironment):
    """The sandbox with the arithmetic that makes large values in one step bounded. Intercepted
    operators are also never folded while compiling, where no bound would see them."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call_binop(self, context, operator: str, left, right):
        size = _result_size(operator, left, right)
        if size is not None:
            raise _TooLarge(size)
        value = self.binop_table[operator](left, right)
        if operator == "%" and isinstance(value, str) and len(value) > TEMPLATE_OUTPUT:
            raise _TooLarge(_too_long(value, len(value), "%"))
        return value


def _result_size(operator: str, left, right) -> str | None:
    """Why the operation's result would be too large to make, or None."""
    sized = (str, list, tuple)
    if operator == "*":
        if isinstance(left, int) and isinstance(right, sized):
            left, right = right, left
        if isinstance(left, sized) and isinstance(right, int):
            n = len(left) * right
            if n > TEMPLATE_OUTPUT:
                return _too_long(left, n, "*")
        elif isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > _BITS:
                return _too_big_number("*")
    elif operator == "+":
        if isinstance(left, sized) and isinstance(right, sized):
            n = len(left) + len(right)
            if n > TEMPLATE_OUTPUT:
                return _too_long(left, n, "+")
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0:
            if abs(left) > 1 and right * left.bit_length() > _BITS:
                return _too_big_number("**")
    return None


def _too_long(value, n: int, operator: str) -> str:
    what = "a text of {:,} characters" if isinstance(value, str) else "a list of {:,} items"
    return (f"the theme's template makes {what.format(n)} with {operator}; at most "
            f"{TEMPLATE_OUTPUT:,}")


def _too_big_number(operator: str) -> str:
    return (f"the theme's template computes a number of more than {TEMPLATE_DIGITS:,} digits "
            f"with {operator}")


def _render(env: jinja2.Environment, name: str, context: dict, written: int = 0) -> str:
    """One template, its output counted as it is written (with what was written before)."""
    try:
        template = env.get_template(name)
    except (_OutOfTime, MemoryError) as e:  # compiling: Jinja works out constant parts then
        e.loc = Loc(env.loader.get_source(env, name)[1])
        raise
    chunks = []
    output = template.generate(context)
    for chunk in output:
        written += len(chunk)
        if written > TEMPLATE_OUTPUT:
            e = _TooLarge(f"the theme's template wrote more than {TEMPLATE_OUTPUT:,} "
                          "characters: a loop that writes without end?")
            e.loc = _writing_loc(output)
            raise e
        chunks.append(chunk)
    return "".join(chunks)


def _writing_loc(output) -> Loc | None:
    """The template line a paused render is writing at: its innermost template's generator."""
    found = None
    while output is not None and output.gi_frame is not None:
        template = output.gi_frame.f_globals.get("__jinja_template__")
        if template is not None and template.filename:
            found = Loc(template.filename,
                        template.get_corresponding_lineno(output.gi_frame.f_lineno))
        output = output.gi_yieldfrom
    return found


_spent: list = [None, 0.0]  # [weak reference to the brief, processor seconds its renders took]


AHEAD_SECONDS = 0.25


class _bounded:
    """Time and memory bounds around one render of this brief's templates; brief None: a render
    with a time budget of its own (seconds), which no brief's renders share."""

    def __init__(self, brief, seconds: float | None = None):
        self.brief = brief
        self.seconds = seconds

    def __enter__(self):
        self.limits = _cap_memory()
        self.timer = (hasattr(signal, "SIGVTALRM")
                      and threading.current_thread() is threading.main_thread())
        if self.brief is None:
            self.budget = self.seconds
        else:
            if _spent[0] is None or _spent[0]() is not self.brief:
                _spent[:] = [weakref.ref(self.brief), 0.0]
            self.budget = max(TEMPLATE_SECONDS - _spent[1], 0.001)
        if self.timer:
            self.previous = signal.signal(signal.SIGVTALRM, _out_of_time)
            # Again every 50 ms after the first, should a call the template made swallow one.
            signal.setitimer(signal.ITIMER_VIRTUAL, self.budget, 0.05)
        return self

    def __exit__(self, kind, value, tb):
        if self.timer:
            left = signal.setitimer(signal.ITIMER_VIRTUAL, 0)[0]
            signal.signal(signal.SIGVTALRM, self.previous)
            if self.brief is not None:
                _spent[1] = TEMPLATE_SECONDS if kind is _OutOfTime else \
                    _spent[1] + max(self.budget - left, 0.0)
        _restore_memory(self.limits)


def _out_of_time(signum, frame):
    """Raise in the template's code, and only there: not in the code that stops the timer."""
    while frame is not None:
        if frame.f_code is _render.__code__:
            raise _OutOfTime
        frame = frame.f_back


def _cap_memory():
    """The address-space limits before, after capping them at what the process has now plus
    TEMPLATE_MEMORY; None where that cannot be done (no resource module, or a lower limit)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = _address_space(resource, hard) + TEMPLATE_MEMORY
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        if soft != resource.RLIM_INFINITY and soft <= cap:
            return None
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        return soft, hard
    except (ImportError, OSError, ValueError):
        return None


_last_space = [1 << 30]  # the address space the last render found: where the next search starts


def _address_space(resource, hard) -> int:
    """The process's address space now, to the megabyte: the lowest limit under which one more
    page can still be mapped, found by trying limits outward from the last render's answer,
    then halving (four or five tries, 0.1 ms), rather than by reading /proc/self/statm: a build
    reads no file outside the brief's and the theme's folders."""
    import mmap

    def fits(limit: int) -> bool:
        resource.setrlimit(resource.RLIMIT_AS, (max(limit, 0), hard))
        try:
            mmap.mmap(-1, mmap.PAGESIZE).close()
        except OSError:
            return False
        return True

    mb = 1 << 20
    low = high = _last_space[0]
    step = mb
    while not fits(high):
        low, high, step = high, high + step, step * 2
    step = mb
    while low == high or fits(low):
        high, low, step = low, max(low - step, 0), step * 2
        if high == 0:
            break
    while high - low > mb:
        middle = (low + high) // 2
        low, high = (low, middle) if fits(middle) else (middle, high)
    _last_space[0] = high
    return high


def _restore_memory(limits) -> None:
    if limits is not None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, limits)
