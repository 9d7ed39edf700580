"""The notebooks' Markdown explains method and how to read; it states no result.

Every finding in a notebook is printed by code from the numbers beside it, so the prose cannot
contradict the tables when the model or the data change. This test reads the Markdown cells of
every notebook (and ``notebooks/README.md``) and fails on

* **a figure with a result unit** — a number (digits or a number word such as *two*, *half*,
  *a few*) followed by a unit of time, share, quantity, mass, distance, money or ratio
  (``9.7 days``, ``15–17 %``, ``a few per cent``, ``10,312 units``, ``801 km``, ``twice``…);
* **a hedged quantity or a verdict** — *almost all/none*, *nearly all*, *hardly*, *barely*,
  *a handful*, *only a few*, *carries nothing*, *no unit takes*, *differences are small*,
  *dominates*, *significantly*, *no significant* …: words that state what the results are
  without a number.

Convention for inputs: a figure that is an **input** of the model (a scenario setting, a network
value, a source's published figure) may appear in Markdown inside a code span, e.g. ```72 h```.
So that a code span cannot hide a result, every number followed by a unit inside a code span must
be written in digits and occur in the inputs: ``network/data/*.csv``, ``scenarios/**/*.toml`` or
the code cells of the same notebook; verdicts are caught inside code spans too. A confidence level
(``95 % confidence interval``) is method, not result, and is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
README = ROOT / "notebooks" / "README.md"

# --- the rule ---------------------------------------------------------------------------------

_UNIT = (
    r"(?:per\s*cent|percent|percentage\s+points?|pp|%|hours?|hrs?|h|minutes?|mins?|days?|d|"
    r"weeks?|months?|TEUs?|FEUs?|units?|wagons?|trains?|consists?|vessels?|sailings?|ships?|"
    r"tonnes?|tons?|Mt|kt|t|km/h|km|kg|USD|US\$|times|fold|×)"
)
_END = r"(?![\w/])"  # the unit ends here (a word boundary that also works after % and ×)
_NUMERAL = r"(?<![\w.,])[~≈±+−-]?\d+(?:[.,]\d+)*(?:\s*[–-]\s*\d+(?:[.,]\d+)*)?"
_NUMBER_WORD = (
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|dozens?|half|"
    r"third|quarter|few|handful|several|couple)"
)
_SEP = r"(?:\s|-|\u00a0|\u202f)*(?:(?:a|an|of|the)\s+){0,2}"
FIGURE = re.compile(rf"(?:{_NUMERAL}|{_NUMBER_WORD}){_SEP}{_UNIT}{_END}", re.IGNORECASE)
# a currency before the number (USD 3,000; $3,000) and a bare ratio (twice, ×2, 2×)
FIGURE_BEFORE = re.compile(
    r"(?:\bUSD|US\$|\$|€)\s*\d|\btwice\b|\bthrice\b|×\s*\d|\d\s*×(?!\s*\d)", re.IGNORECASE
)
# a confidence level is a method setting, not a result
CONFIDENCE = re.compile(
    r"\d+(?:\.\d+)?\s*%\s*(?:t\s+)?(?:confidence|CI\b|interval|half-width)", re.IGNORECASE
)

VERDICTS: list[tuple[str, re.Pattern[str]]] = [
    (
        "hedged quantity",
        re.compile(
            r"\b(?:almost|nearly|virtually|practically)\s+"
            r"(?:all|every|everything|none|no|nothing|entirely|completely|half|twice|double)\b",
            re.IGNORECASE,
        ),
    ),
    ("hedged quantity", re.compile(r"\b(?:hardly|barely|scarcely)\b", re.IGNORECASE)),
    ("hedged quantity", re.compile(r"\ba\s+handful\b", re.IGNORECASE)),
    (
        "hedged quantity",
        re.compile(
            r"\b(?:about|roughly|around|approximately|nearly|almost|over|under|more\s+than|"
            r"less\s+than|at\s+least|at\s+most)\s+"
            r"(?:half|a\s+third|a\s+quarter|a\s+tenth|twice|double|triple)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "hedged quantity",
        re.compile(
            r"\bonly\s+(?:a\s+)?(?:few|handful|small|little|minor|tiny|fraction|\d)", re.IGNORECASE
        ),
    ),
    (
        "verdict",
        re.compile(
            r"\b(?:carr(?:y|ies)|chang(?:e|es)|mov(?:e|es)|adds?)\s+(?:almost\s+)?nothing\b",
            re.IGNORECASE,
        ),
    ),
    (
        "verdict",
        re.compile(
            r"\b(?:no|none\s+of\s+the)\s+(?:units?|cargo|flows?|trains?)\s+"
            r"(?:takes?|took|uses?|used|switch(?:es)?|switched|moves?|moved|goes|go|went)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "verdict",
        re.compile(
            r"\b(?:differences?|changes?|effects?|gaps?|shifts?|responses?|impacts?)\s+"
            r"(?:\w+\s+){0,3}(?:is|are|was|were|remains?|stays?)\s+(?:\w+\s+){0,2}"
            r"(?:small|large|negligible|tiny|modest|minor|substantial|big|marginal|nil)\b",
            re.IGNORECASE,
        ),
    ),
    ("verdict", re.compile(r"\bdominat(?:e|es|ed|ing)\b", re.IGNORECASE)),
    (
        "significance claim",
        re.compile(
            r"\b(?:significantly|insignificant(?:ly)?|(?:not|no|none)\s+significant)\b", re.I
        ),
    ),
]

HINT = (
    "print the finding from the numbers with code instead; an input figure may stand in a "
    "code span (`72 h`) if it occurs in network/data, scenarios/ or the notebook's code"
)

_CODE_FENCE = re.compile(r"```.*?```|~~~.*?~~~", re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ANY_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


@dataclass(frozen=True)
class Problem:
    where: str
    text: str
    rule: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text!r} — {self.rule}"


def numbers_in(text: str) -> set[float]:
    """Every number written in ``text`` (thousands separators allowed)."""
    return {float(m.group().replace(",", "")) for m in _ANY_NUMBER.finditer(text)}


def problems(markdown: str, inputs: set[float], where: str = "markdown") -> list[Problem]:
    """Result figures and verdicts in one Markdown text (see the module docstring)."""
    text = _COMMENT.sub(" ", markdown)
    spans = [m.group() for m in _CODE_FENCE.finditer(text)]
    text = _CODE_FENCE.sub(" ", text)
    spans += [m.group(2) for m in _CODE_SPAN.finditer(text)]
    prose = _LINK.sub(r"\1", _CODE_SPAN.sub(" ", text))
    prose = CONFIDENCE.sub(" ", prose)
    out: list[Problem] = []
    for m in FIGURE.finditer(prose):
        out.append(Problem(where, m.group(), "a figure with a result unit"))
    for m in FIGURE_BEFORE.finditer(prose):
        out.append(Problem(where, m.group(), "an amount or ratio"))
    for rule, pattern in VERDICTS:
        for m in pattern.finditer(prose):
            out.append(Problem(where, m.group(), rule))
    for span in spans:
        for rule, pattern in VERDICTS:  # a code span does not excuse a verdict
            for m in pattern.finditer(span):
                out.append(Problem(where, m.group(), f"{rule} (in a code span)"))
        for m in FIGURE.finditer(CONFIDENCE.sub(" ", span)):
            written = numbers_in(m.group())
            if not written:
                out.append(Problem(where, m.group(), "a figure in words in a code span"))
                continue
            unknown = ", ".join(f"{x:g}" for x in sorted(written - inputs))
            if unknown:
                out.append(
                    Problem(
                        where, m.group(), f"a figure in a code span that is no input ({unknown})"
                    )
                )
    return out


def input_numbers() -> set[float]:
    """Numbers that occur in the model's inputs: the network data and the scenario files."""
    files = [*(ROOT / "network" / "data").glob("*.csv"), *(ROOT / "scenarios").rglob("*.toml")]
    assert files, "no inputs found"
    out: set[float] = set()
    for f in files:
        out |= numbers_in(f.read_text(encoding="utf-8"))
    return out


def notebook_problems(path: Path, inputs: set[float]) -> list[Problem]:
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    own = inputs | numbers_in(code)
    return [
        p
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "markdown"
        for p in problems(cell.source, own, where=f"{path.name} cell {i}")
    ]


# --- the notebooks ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs() -> set[float]:
    return input_numbers()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_markdown_states_no_result(path: Path, inputs: set[float]) -> None:
    found = notebook_problems(path, inputs)
    assert not found, "\n".join([*map(str, found), f"hint: {HINT}"])


def test_notebook_readme_states_no_result(inputs: set[float]) -> None:
    found = problems(README.read_text(encoding="utf-8"), inputs, where=README.name)
    assert not found, "\n".join([*map(str, found), f"hint: {HINT}"])


def test_every_notebook_prints_findings() -> None:
    """Findings are printed by code: every notebook has a code cell that prints a sentence built
    from computed values (an f-string inside ``print``), not only tables."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert re.search(r"print\(\s*f[\"']", code), f"{path.name}: no finding printed by code"


# --- the rule itself: it catches results and lets method through -------------------------------

RESULTS = [
    # from the notebooks and README as they were (issue 10)
    "so only the units that meet a queue on BTK switch (a few per cent).",
    "Simulated Tashkent→Poti transit is about 9.7 days in the 2025 baseline",
    "its table shows 15–17 % of the units",
    "10,312 of 10,318 units go via Alat",
    "With the shipped data the Zangezur route carries almost nothing.",
    "nearly all the Kars-bound cargo moves to it",
    "the Istanbul flows hardly move",
    "In the `zangezur-2030` scenario no unit takes it.",
    "Differences between the two are therefore small",
    "the Caspian ferry waits and train formation dominate the trip",
    "comes out at about half",
    "about 40 km longer than via Georgia, with about 16 h more dwell",
    "0.9 day for the Turkmenbashi–Alat ferry",
    "a 12-hour wait",
    "the cost rises by USD 300 per TEU",
    "the route takes twice as long",
    "only a handful of units a year take it",
    "Halving the borders makes it significantly faster",
    "there is no significant change",
    "within an hour or two, none significant",
    "ships carry 5 Mt a year",
    "1,234 TEU",
    "a 3× longer queue",
    # a result hidden in a code span is no input, nor is a verdict or a figure in words
    "the mean is `9.73 days`",
    "`nearly all` the cargo moves",
    "`a few per cent` switch",
]

METHOD = [
    "Mean hours per unit by cause, one bar per scenario.",
    "Whiskers are the 95 % t interval over replications; the 95 % confidence interval of a "
    "difference.",
    "A curve to the left is quicker; curves on top of each other mean no change.",
    "Solid bars: the interval excludes zero; pale bars: the interval includes zero.",
    "The vessels leave when full or after `72 h` (the policy of the ferries table).",
    "`HORIZON_DAYS` of releases, the first `WARMUP_DAYS` left out.",
    "the 3 best routes per year and the P95 of transit time; CO2 per TEU",
    "The sweep runs `VESSELS` × `POLICIES` on the line.",
    "see [the data README](../network/data/README.md)",
    "Look for the Zangezur chain south of Armenia in the what-if maps.",
    "A saw-tooth is a queue filling between sailings; a queue that keeps growing would mean a line "
    "over capacity.",
]


@pytest.mark.parametrize("sentence", RESULTS)
def test_rule_catches_a_result(sentence: str) -> None:
    # inputs: what the data give, never the result figures above
    assert problems(sentence, {72.0, 6.0, 2.0, 3.0}), f"not caught: {sentence!r}"


@pytest.mark.parametrize("sentence", METHOD)
def test_rule_lets_method_through(sentence: str) -> None:
    assert problems(sentence, {72.0}) == []


def test_code_span_figures_must_be_inputs() -> None:
    assert problems("after `72 h`", {72.0}) == []
    assert [p.rule for p in problems("after `72 h`", set())] == [
        "a figure in a code span that is no input (72)"
    ]
    assert problems("```\n9.7 days\n```", {72.0}), "a fenced block hides a result"


def test_input_numbers_come_from_the_data(inputs: set[float]) -> None:
    # the Caspian ferries' maximum wait and fleet are in ferries.csv; the rule depends on it
    assert {72.0, 7.0} <= inputs
