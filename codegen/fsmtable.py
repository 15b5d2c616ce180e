# SPDX-License-Identifier: GPL-2.0
"""Read the FSM table out of the Promela model SPIN verifies.

The model marks what the generator reads with comment markers:

    /* @fsm states */   #define ST_<NAME> <n>     (0..n-1, in order)
    /* @fsm events */   #define EV_<NAME> <n>     (0..n-1, in order)
    /* @fsm fixed */    #define ACT_<NOP|ERROR|WAIT> <n>
    /* @fsm actions */  #define ACT_<NAME> <n>    (hand-written actions)
    /* @fsm table */    CELL(ST_x, EV_y, ACT_z, <errno|0>, TO(ST_a) | TO(ST_b));
                        UNREACHABLE(ST_x, EV_y, "why");  (the model proves it)
    /* @fsm end */      closes each block

Every problem is reported as "file:line: message"; parse() raises
TableError carrying all of them, so one run shows every mistake.
"""

import dataclasses
import re

BLOCKS = ("states", "events", "fixed", "actions", "table")
FIXED = {"NOP", "ERROR", "WAIT"}  # answers the dispatcher gives by itself
PREFIX = {"states": "ST_", "events": "EV_", "fixed": "ACT_", "actions": "ACT_"}

MARKER = re.compile(r"^\s*/\*\s*@fsm\s+(\w+)\s*\*/\s*$")
DEFINE = re.compile(r"^\s*#define\s+(\w+)\s+(\S+)\s*(/\*.*\*/)?\s*$")
ERRNO = re.compile(r"^\s*#define\s+(E[A-Z0-9]+)\s+(\d+)\b")
CELL = re.compile(r"^\s*CELL\((.*)\)\s*;\s*$")
UNREACHABLE = re.compile(r'^\s*UNREACHABLE\(\s*(\w+)\s*,\s*(\w+)\s*,\s*"([^"]*)"\s*\)\s*;\s*$')
TO = re.compile(r"^TO\(\s*(\w+)\s*\)$")


class TableError(Exception):
    """All problems found in a model, each as 'file:line: message'."""

    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclasses.dataclass(frozen=True)
class Name:
    name: str  # without prefix: NOT_OPER, IO_REQ, START
    value: int
    line: int
    comment: str


@dataclasses.dataclass(frozen=True)
class Cell:
    state: str
    event: str
    action: str  # NOP, ERROR, WAIT or a hand-written action
    errno: str  # "ENODEV" for ERROR cells, "" otherwise
    next_states: tuple  # allowed next states, in state order
    line: int

    @property
    def fixed(self):
        return self.action in FIXED


@dataclasses.dataclass(frozen=True)
class Fsm:
    path: str
    states: tuple  # of Name, by value
    events: tuple
    actions: tuple  # hand-written ones only
    cells: dict  # (state, event) -> Cell
    errnos: dict  # errno name -> number, as the model defines them
    unreachable: dict = dataclasses.field(default_factory=dict)  # (state, event) -> why

    def cell(self, state, event):
        return self.cells[(state, event)]

    @property
    def state_names(self):
        return [s.name for s in self.states]

    @property
    def event_names(self):
        return [e.name for e in self.events]


def _strip_comment(text, in_comment):
    """Drop /* */ comments from one line; returns (code, still_in_comment)."""
    out = []
    i = 0
    while i < len(text):
        if in_comment:
            end = text.find("*/", i)
            if end < 0:
                return "".join(out), True
            i, in_comment = end + 2, False
        else:
            start = text.find("/*", i)
            if start < 0:
                out.append(text[i:])
                break
            out.append(text[i:start])
            i, in_comment = start + 2, True
    return "".join(out), in_comment


def _blocks(path, lines, problems):
    """Map block name -> list of (line number, text) between the markers."""
    blocks, current, opened = {}, None, 0
    for number, text in enumerate(lines, 1):
        match = MARKER.match(text)
        if not match:
            if current:
                blocks[current].append((number, text))
            continue
        word = match.group(1)
        if word == "end":
            if not current:
                problems.append(f"{path}:{number}: '@fsm end' without an open block")
            current = None
        elif current:
            problems.append(f"{path}:{number}: '@fsm {word}' inside the '{current}' block opened at line {opened}")
        elif word not in BLOCKS:
            problems.append(f"{path}:{number}: unknown block '@fsm {word}' (known: {', '.join(BLOCKS)})")
        elif word in blocks:
            problems.append(f"{path}:{number}: second '@fsm {word}' block")
        else:
            current, opened = word, number
            blocks[word] = []
    if current:
        problems.append(f"{path}:{opened}: '@fsm {current}' block is never closed by '@fsm end'")
    for word in BLOCKS:
        if word not in blocks:
            problems.append(f"{path}:1: no '@fsm {word}' block")
    return blocks


def _defines(path, block, body, problems):
    names = []
    in_comment = False
    for number, text in body:
        code, was_in_comment = _strip_comment(text, in_comment)
        in_comment = was_in_comment
        if not code.strip():
            continue
        match = DEFINE.match(text)
        if not match:
            problems.append(f"{path}:{number}: expected '#define {PREFIX[block]}NAME value' in the {block} block")
            continue
        full, value, comment = match.groups()
        if not full.startswith(PREFIX[block]):
            problems.append(f"{path}:{number}: '{full}' in the {block} block must start with {PREFIX[block]}")
            continue
        if not value.isdigit():
            problems.append(f"{path}:{number}: '{full}' has value '{value}', not a number")
            continue
        comment = (comment or "").strip("/* ").strip()
        names.append(Name(full[len(PREFIX[block]):], int(value), number, comment))
    return names


def _check_numbering(path, block, names, problems):
    seen = {}
    for position, item in enumerate(names):
        if item.name in seen:
            problems.append(f"{path}:{item.line}: {block[:-1]} {item.name} declared twice (first at line {seen[item.name]})")
        seen[item.name] = item.line
        if item.value != position:
            problems.append(f"{path}:{item.line}: {block[:-1]} {item.name} is {item.value}, expected {position}: "
                            f"{block} are numbered 0..n-1 in order")


def _parse_cell(path, number, args, known, problems):
    """One CELL(...) line -> Cell, or None with problems noted."""
    states, events, actions, errnos = known
    parts = [p.strip() for p in args.split(",")]
    if len(parts) != 5:
        problems.append(f"{path}:{number}: CELL takes 5 arguments (state, event, action, errno, next), got {len(parts)}")
        return None
    state, event, action, errno, nexts = parts
    where = f"{path}:{number}: cell {state} x {event}"
    bad = False
    for value, prefix, table, kind in ((state, "ST_", states, "state"), (event, "EV_", events, "event"),
                                       (action, "ACT_", actions, "action")):
        if not value.startswith(prefix) or value[len(prefix):] not in table:
            problems.append(f"{where}: unknown {kind} '{value}'")
            bad = True
    next_states = []
    for term in nexts.split("|"):
        match = TO.match(term.strip())
        if not match:
            problems.append(f"{where}: next states must be TO(ST_x) | TO(ST_y) ..., got '{term.strip()}'")
            bad = True
        elif not match.group(1).startswith("ST_") or match.group(1)[3:] not in states:
            problems.append(f"{where}: next state '{match.group(1)}' is not a declared state")
            bad = True
        elif match.group(1)[3:] in next_states:
            problems.append(f"{where}: next state {match.group(1)} listed twice")
            bad = True
        else:
            next_states.append(match.group(1)[3:])
    if bad:
        return None
    state, event, action = state[3:], event[3:], action[4:]
    if action == "ERROR":
        if errno not in errnos:
            problems.append(f"{where}: ACT_ERROR needs an errno the model defines (#define EXXX n), got '{errno}'")
            return None
    elif errno != "0":
        problems.append(f"{where}: errno '{errno}' given to {action}; only ACT_ERROR cells take one, others use 0")
        return None
    if action in FIXED and next_states != [state]:
        problems.append(f"{where}: fixed answer {action} keeps the state, so its next states must be exactly TO(ST_{state})")
        return None
    order = list(states)
    next_states.sort(key=order.index)
    return Cell(state, event, action, errno if action == "ERROR" else "", tuple(next_states), number)


def _unreachable(states, cells):
    """States not reachable from the first (initial) one over allowed moves."""
    seen, todo = {states[0].name}, [states[0].name]
    while todo:
        here = todo.pop()
        for (state, _), cell in cells.items():
            if state == here:
                for there in cell.next_states:
                    if there not in seen:
                        seen.add(there)
                        todo.append(there)
    return [s for s in states if s.name not in seen]


def read_source(path):
    """The text of path; a byte that is not UTF-8 raises TableError naming
    its line and column, as a missing file raises FileNotFoundError."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise TableError([f"{path}:{line}: byte 0x{data[err.start]:02x} at column {column} "
                          "is not UTF-8"]) from None


def parse(path, text=None):
    """Parse and validate the model at path; returns an Fsm or raises TableError."""
    if text is None:
        text = read_source(path)
    lines = text.splitlines()
    problems = []
    blocks = _blocks(path, lines, problems)
    if problems:
        raise TableError(problems)

    states = _defines(path, "states", blocks["states"], problems)
    events = _defines(path, "events", blocks["events"], problems)
    fixed = _defines(path, "fixed", blocks["fixed"], problems)
    actions = _defines(path, "actions", blocks["actions"], problems)
    _check_numbering(path, "states", states, problems)
    _check_numbering(path, "events", events, problems)
    if not states or not events:
        problems.append(f"{path}:1: the model declares no states or no events")
    for item in fixed:
        if item.name not in FIXED:
            problems.append(f"{path}:{item.line}: fixed answer ACT_{item.name} is not one the dispatcher knows "
                            f"({', '.join(sorted(FIXED))}); declare it under '@fsm actions'")
    values = {}
    for item in fixed + actions:
        if item.value == 0:
            problems.append(f"{path}:{item.line}: ACT_{item.name} is 0, which the model keeps for a missing cell")
        if item.value in values:
            problems.append(f"{path}:{item.line}: ACT_{item.name} has the same value as ACT_{values[item.value]}")
        values[item.value] = item.name
    errnos = {m.group(1): int(m.group(2)) for m in map(ERRNO.match, lines) if m}
    if problems:
        raise TableError(problems)

    known = ([s.name for s in states], [e.name for e in events],
             {a.name for a in fixed + actions}, errnos)
    cells, first_line, marks = {}, {}, []
    in_comment = False
    table_line = blocks["table"][0][0] if blocks["table"] else 1
    for number, text in blocks["table"]:
        code, in_comment = _strip_comment(text, in_comment)
        if not code.strip():
            continue
        mark = UNREACHABLE.match(code)
        if mark:
            marks.append((number, *mark.groups()))
            continue
        match = CELL.match(code)
        if not match:
            problems.append(f"{path}:{number}: expected 'CELL(state, event, action, errno, next);' "
                            f"or 'UNREACHABLE(state, event, \"why\");' in the table")
            continue
        cell = _parse_cell(path, number, match.group(1), known, problems)
        if cell is None:
            continue
        key = (cell.state, cell.event)
        if key in cells:
            problems.append(f"{path}:{number}: cell {cell.state} x {cell.event} given twice "
                            f"(first at line {first_line[key]})")
            continue
        cells[key] = cell
        first_line[key] = number
    for state in states:
        for event in events:
            if (state.name, event.name) not in cells and not any(
                    p for p in problems if f"cell ST_{state.name} x EV_{event.name}:" in p):
                problems.append(f"{path}:{table_line}: missing cell ST_{state.name} x EV_{event.name}")
    unreachable = {}
    for number, state, event, why in marks:
        key = (state[3:], event[3:])
        if key not in cells:
            problems.append(f"{path}:{number}: UNREACHABLE({state}, {event}) names no cell of the table")
        elif key in unreachable:
            problems.append(f"{path}:{number}: cell {state} x {event} marked UNREACHABLE twice")
        elif not why.strip():
            problems.append(f"{path}:{number}: UNREACHABLE({state}, {event}) must say why")
        else:
            unreachable[key] = why.strip()
    if not problems:
        for state in _unreachable(states, cells):
            problems.append(f"{path}:{state.line}: state ST_{state.name} is unreachable from ST_{states[0].name}")
    used = {c.action for c in cells.values()}
    for action in actions:
        if action.name not in used:
            problems.append(f"{path}:{action.line}: action ACT_{action.name} is used by no cell")
    if problems:
        raise TableError(problems)
    return Fsm(path, tuple(states), tuple(events), tuple(actions), cells, errnos, unreachable)
