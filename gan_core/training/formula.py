"""Write your own loss: a small, safe formula language for D's and G's losses.

    loss = FormulaLoss("softplus(-d_real) + softplus(d_fake)", "-softplus(d_fake)", like="bce")
    loss.d_loss(real_logits, fake_logits), loss.g_loss(fake_logits)   # as any GANLoss

A formula is arithmetic on D's raw outputs (logits): `d_real` (D on real data) and
`d_fake` (D on G's samples) in D's loss, `d_fake` alone in G's. Numbers, `+ - * / **`,
unary minus, parentheses and the functions in FUNCTIONS. Each top-level term (the
parts joined by `+` and `-`) is averaged over its batch, so a formula says what one
sample costs and `mean(...)` is only needed inside a term.

Safety: the text is parsed with Python's `ast` (mode "eval": one expression) into a
whitelisted tree, and torch operations are built from that tree. The text is never
passed to eval, exec or compile; attribute access, subscripts, strings, lambdas,
comprehensions, keywords and every name outside VARIABLES and FUNCTIONS are refused,
and so are non-ASCII characters (Python folds look-alikes such as fullwidth letters
into plain names). Length, node count, depth, exponents and constants are bounded
before anything is built. Every refusal is a FormulaError: one sentence, in English
(the CLI's), plus its key and facts, which the pages say again from content
"formula.errors".

BUILTIN_FORMULAS is the one home of every built-in loss written in the language (the
Train page's and the toy lab's starting text, the CLI's help and the tests'
equivalences with gan_core.training.losses).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F

from .losses import GANLoss, loss_class

# ---------------------------------------------------------------- limits and names

MAX_LENGTH = 300          # characters of one formula (also the cap of TrainConfig.d_loss / g_loss)
MAX_NODES = 100           # syntax-tree nodes
MAX_DEPTH = 12            # nesting of operations and calls
MAX_EXPONENT = 8          # |p| of a constant exponent x ** p
MAX_CONSTANT = 1e6        # |c| of any number, written or folded from numbers alone

VARIABLES = ("d_real", "d_fake")
ROLE_VARIABLES = {"d": ("d_real", "d_fake"), "g": ("d_fake",)}
ROLE_NAMES = {"d": "D's loss", "g": "G's loss"}


def _tensor(x, like):
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x, dtype=like.dtype, device=like.device)


def _pair(fn):
    """A two-argument torch function that also takes a plain number on either side."""
    def call(a, b):
        like = a if isinstance(a, torch.Tensor) else b
        return fn(_tensor(a, like), _tensor(b, like))
    return call


@dataclass(frozen=True)
class Function:
    arity: int
    torch_fn: Callable
    number_fn: Callable          # the same on plain floats (constant folding); may raise ValueError
    args: str                    # how the documentation writes its arguments
    hint: str = ""               # the NaN/inf hint key when this function breaks first


def _sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


FUNCTIONS: dict[str, Function] = {
    "log": Function(1, torch.log, math.log, "x", "log"),
    "exp": Function(1, torch.exp, math.exp, "x", "overflow"),
    "sigmoid": Function(1, torch.sigmoid, _sigmoid, "x"),
    "logsigmoid": Function(1, F.logsigmoid, lambda x: -_softplus(-x), "x"),
    "softplus": Function(1, F.softplus, _softplus, "x"),
    "relu": Function(1, F.relu, lambda x: max(x, 0.0), "x"),
    "tanh": Function(1, torch.tanh, math.tanh, "x"),
    "abs": Function(1, torch.abs, abs, "x"),
    "square": Function(1, torch.square, lambda x: x * x, "x", "overflow"),
    "sqrt": Function(1, torch.sqrt, math.sqrt, "x", "sqrt"),
    "clamp": Function(3, lambda x, lo, hi: torch.minimum(torch.maximum(x, _tensor(lo, x)), _tensor(hi, x)),
                      lambda x, lo, hi: min(max(x, lo), hi), "x, lo, hi"),
    "min": Function(2, _pair(torch.minimum), min, "a, b"),
    "max": Function(2, _pair(torch.maximum), max, "a, b"),
    "mean": Function(1, lambda x: x.mean(), lambda x: x, "x"),
}
NAMES = (*VARIABLES, *FUNCTIONS)

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_OPERATOR_TEXT = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitXor: "^", ast.BitAnd: "&",
                  ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>", ast.Not: "not", ast.Invert: "~"}

# English sentences of every refusal and hint; content "formula.errors" / "formula.hints"
# say the same with the same {placeholders} (tests/test_formula.py checks both files).
ERRORS = {
    "empty": "The formula is empty; write an expression such as {example}.",
    "too_long": "The formula is {length} characters long; the limit is {limit}.",
    "character": "The character `{char}` at column {column} is not allowed; formulas use plain ASCII "
                 "letters, digits, spaces and + - * / ( ) , .",
    "syntax": "The formula cannot be read at column {column}: {reason}.",
    "too_many_nodes": "The formula has {nodes} parts; the limit is {limit}.",
    "too_deep": "The formula is nested {depth} levels deep at column {column}; the limit is {limit}.",
    "unknown_name": "Unknown name `{name}` at column {column}; the names you can use are {names}.",
    "variable_not_here": "`{name}` at column {column} is not available in {role}; it can use {names}.",
    "not_a_function": "`{name}` at column {column} is not a function; the functions are {names}.",
    "not_called": "`{name}` at column {column} is a function; write {name}({args}).",
    "arity": "`{name}` at column {column} needs {count}: {name}({args}).",
    "keywords": "`{name}` at column {column} takes its arguments in order, without names: {name}({args}).",
    "not_allowed": "{what} at column {column} is not part of the formula language; use numbers, d_real, "
                   "d_fake, + - * / **, parentheses and the functions {names}.",
    "exponent_not_constant": "The exponent at column {column} must be a number; write exp(y * log(x)) "
                             "for a variable power of a positive x.",
    "exponent_too_large": "The exponent {value} at column {column} is too large; the limit is {limit}.",
    "constant_too_large": "The number at column {column} is too large ({value}); numbers stay within "
                          "+-{limit}.",
    "constant_invalid": "The part at column {column} is not a number ({reason}).",
    "no_variable": "{role} does not depend on {names}, so it gives no gradient; use d_fake"
                   " (and d_real in D's loss).",
    "not_scalar": "{role} is not one number after averaging (its shape is {shape}).",
    "broken": "{role} could not be computed on sample outputs: {reason}.",
}
# The words inside some sentences (content "formula.what", "formula.reasons", "formula.counts").
WHAT = {
    "attribute": "Attribute access (a dot)", "subscript": "A subscript ([...])", "lambda": "A lambda",
    "comprehension": "A comprehension", "comparison": "A comparison", "boolean": "A boolean operator",
    "ifexp": "An if-expression", "walrus": "An assignment (:=)", "container": "A list, tuple, set or dictionary",
    "string": "A string", "star": "A star (*)", "value": "The value `{value}`",
    "operator": "The operator `{op}`", "other": "`{name}`",
}
REASONS = {
    "parentheses": "the parentheses do not match",
    "not_expression": "this is not an expression of the language",
    "division": "division by zero",
    "domain": "outside its function's domain",
}
COUNTS = {"1": "one argument", "2": "two arguments", "3": "three arguments"}
HINTS = {
    "log": "log of a negative number or zero? D's outputs are logits, any real number; "
           "logsigmoid(x) or log(sigmoid(x)) is safe",
    "sqrt": "square root of a negative number?",
    "division": "division by zero?",
    "power": "a fractional power of a negative number, or a power too large?",
    "overflow": "a number too large for float32 (exp or a power of a large logit)?",
    "nan": "an undefined value, such as inf - inf or 0 * inf?",
}
NONFINITE = ("{role} became {value} at step {step} in the term `{term}`, first at `{part}`: {hint}")


def _names(names) -> str:
    return ", ".join(names)


class FormulaError(ValueError):
    """A refused formula: one sentence (str(error)), its key in ERRORS and its facts.

    `translate` names the facts that are words, not names or numbers, by their key under
    content "formula" (e.g. {"role": "roles.g"}): a page says them in its own language.
    """

    def __init__(self, key: str, translate: dict | None = None, **params):
        self.key, self.params, self.translate = key, params, dict(translate or {})
        self.column = params.get("column")
        super().__init__(ERRORS[key].format(**params))


# ---------------------------------------------------------------- parsing into a checked tree


@dataclass
class Node:
    """One checked operation: kind "num" | "var" | "neg" | "bin" | "call"."""

    kind: str
    column: int                           # 1-based
    text: str                             # the formula's own text of this part
    value: float | str | None = None      # the number, variable name, operator or function name
    args: list["Node"] = field(default_factory=list)
    variables: frozenset = frozenset()


def _column(node: ast.AST, lead: int) -> int:
    return getattr(node, "col_offset", 0) + 1 + lead


def _what(node: ast.AST) -> dict:
    """What a refused construct is: {"what": English words, "translate": its key}, plus its facts."""
    kinds = {
        ast.Attribute: "attribute", ast.Subscript: "subscript", ast.Lambda: "lambda",
        ast.ListComp: "comprehension", ast.GeneratorExp: "comprehension", ast.SetComp: "comprehension",
        ast.DictComp: "comprehension", ast.Compare: "comparison", ast.BoolOp: "boolean", ast.IfExp: "ifexp",
        ast.NamedExpr: "walrus", ast.List: "container", ast.Tuple: "container", ast.Dict: "container",
        ast.Set: "container", ast.JoinedStr: "string", ast.Starred: "star", ast.Await: "other",
        ast.Yield: "other", ast.YieldFrom: "other",
    }
    facts = {"op": "", "value": "", "name": type(node).__name__}
    kind = next((k for cls, k in kinds.items() if isinstance(node, cls)), "other")
    if isinstance(node, ast.Constant):
        kind = "string" if isinstance(node.value, (str, bytes)) else "value"
        facts["value"] = repr(node.value)
    elif isinstance(node, (ast.BinOp, ast.UnaryOp)):
        kind = "operator"
        facts["op"] = _OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)
    return {"what": WHAT[kind].format(**facts), **facts, "translate": {"what": f"what.{kind}"}}


def _fold(node: Node):
    """The value of a part made of numbers only, as a float (refused when not finite or too large)."""
    try:
        if node.kind == "num":
            value = node.value
        elif node.kind == "neg":
            value = -node.args[0].value
        elif node.kind == "bin":
            a, b = node.args[0].value, node.args[1].value
            value = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
                     "/": lambda: a / b, "**": lambda: a ** b}[node.value]()
        else:
            value = FUNCTIONS[node.value].number_fn(*[a.value for a in node.args])
        value = float(value)
    except ZeroDivisionError:
        raise FormulaError("constant_invalid", column=node.column, reason=REASONS["division"],
                           translate={"reason": "reasons.division"}) from None
    except (ValueError, TypeError):
        raise FormulaError("constant_invalid", column=node.column, reason=REASONS["domain"],
                           translate={"reason": "reasons.domain"}) from None
    except OverflowError:
        raise FormulaError("constant_too_large", column=node.column, value="overflow",
                           limit=f"{MAX_CONSTANT:g}") from None
    if not math.isfinite(value) or abs(value) > MAX_CONSTANT:
        raise FormulaError("constant_too_large", column=node.column, value=f"{value:g}", limit=f"{MAX_CONSTANT:g}")
    return Node("num", node.column, node.text, value)


def parse(text: str, role: str = "d") -> Node:
    """The checked tree of `text`, a loss for `role` ("d" or "g"); raises FormulaError."""
    if role not in ROLE_VARIABLES:
        raise ValueError(f"role must be 'd' or 'g', got {role!r}")
    if not isinstance(text, str):
        raise FormulaError("empty", example=BUILTIN_FORMULAS["bce"].for_role(role))
    if len(text) > MAX_LENGTH:
        raise FormulaError("too_long", length=len(text), limit=MAX_LENGTH)
    for i, ch in enumerate(text):
        # "#" too: Python would read the rest as a comment, text that is shown but never trained
        # (and, the lines joined below, a comment on line 1 would swallow line 2).
        if not (32 <= ord(ch) < 127 or ch in "\t\n") or ch == "#":
            raise FormulaError("character", char=ch if ch.isprintable() else f"U+{ord(ch):04X}", column=i + 1)
    if not text.strip():
        raise FormulaError("empty", example=BUILTIN_FORMULAS["bce"].for_role(role))
    # One line (columns count from the start of the text), without the leading blanks that
    # Python would read as an indent; `lead` puts them back into every column.
    line = " ".join(text.split("\n")).replace("\t", " ")
    body = line.lstrip()
    lead = len(line) - len(body)
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        column = lead + max(1, min(len(body), exc.offset or 1))
        reason = (exc.msg or "invalid syntax").rstrip(".")
        known = None
        if "parenthes" in reason or "never closed" in reason or "unmatched" in reason or "does not match" in reason:
            known = "parentheses"
        elif "invalid syntax" in reason or "forgot a comma" in reason or "unexpected EOF" in reason:
            known = "not_expression"
        raise FormulaError("syntax", column=column, reason=REASONS[known] if known else reason,
                           translate={"reason": f"reasons.{known}"} if known else None) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise FormulaError("syntax", column=1, reason=str(exc) or "too complex") from None
    source = line
    count = sum(1 for _ in ast.walk(tree.body))
    if count > MAX_NODES:
        raise FormulaError("too_many_nodes", nodes=count, limit=MAX_NODES)
    return _build(tree.body, source, role, 1, lead)


def _build(node: ast.AST, source: str, role: str, depth: int, lead: int = 0) -> Node:
    column = _column(node, lead)
    if depth > MAX_DEPTH:
        raise FormulaError("too_deep", depth=depth, column=column, limit=MAX_DEPTH)
    text = source[lead + node.col_offset:lead + node.end_col_offset].strip()
    allowed = ROLE_VARIABLES[role]

    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        value = float(node.value)
        if not math.isfinite(value) or abs(value) > MAX_CONSTANT:
            raise FormulaError("constant_too_large", column=column, value=text, limit=f"{MAX_CONSTANT:g}")
        return Node("num", column, text, value)
    if isinstance(node, ast.Name):
        if node.id in VARIABLES:
            if node.id not in allowed:
                raise FormulaError("variable_not_here", name=node.id, column=column, role=ROLE_NAMES[role],
                                   names=_names(allowed), translate={"role": f"roles.{role}"})
            return Node("var", column, text, node.id, variables=frozenset([node.id]))
        if node.id in FUNCTIONS:
            raise FormulaError("not_called", name=node.id, column=column, args=FUNCTIONS[node.id].args)
        raise FormulaError("unknown_name", name=node.id, column=column, names=_names((*allowed, *FUNCTIONS)))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _build(node.operand, source, role, depth + 1, lead)
        if isinstance(node.op, ast.UAdd):
            return inner
        out = Node("neg", column, text, "-", [inner], inner.variables)
        return _fold(out) if not out.variables else out
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        op = _BINOPS[type(node.op)]
        left = _build(node.left, source, role, depth + 1, lead)
        right = _build(node.right, source, role, depth + 1, lead)
        if op == "**":
            if right.variables:
                raise FormulaError("exponent_not_constant", column=right.column)
            if abs(right.value) > MAX_EXPONENT:
                raise FormulaError("exponent_too_large", value=f"{right.value:g}", column=right.column,
                                   limit=MAX_EXPONENT)
        out = Node("bin", column, text, op, [left, right], left.variables | right.variables)
        return _fold(out) if not out.variables else out
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise FormulaError("not_allowed", column=_column(node.func, lead), names=_names(FUNCTIONS),
                               **_what(node.func))
        name = node.func.id
        if name not in FUNCTIONS:
            if name in VARIABLES:
                raise FormulaError("not_a_function", name=name, column=column, names=_names(FUNCTIONS))
            raise FormulaError("unknown_name", name=name, column=column, names=_names((*allowed, *FUNCTIONS)))
        fn = FUNCTIONS[name]
        if node.keywords:
            raise FormulaError("keywords", name=name, column=column, args=fn.args)
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise FormulaError("not_allowed", column=column, names=_names(FUNCTIONS), **_what(ast.Starred()))
        if len(node.args) != fn.arity:
            raise FormulaError("arity", name=name, column=column, count=COUNTS[str(fn.arity)], args=fn.args,
                               translate={"count": f"counts.{fn.arity}"})
        args = [_build(a, source, role, depth + 1, lead) for a in node.args]
        variables = frozenset().union(*(a.variables for a in args))
        out = Node("call", column, text, name, args, variables)
        return _fold(out) if not variables else out
    if isinstance(node, ast.BinOp):     # point at the operator itself, not at its left operand
        gap = source[lead + node.left.end_col_offset:lead + node.right.col_offset]
        column = lead + node.left.end_col_offset + (len(gap) - len(gap.lstrip())) + 1
    raise FormulaError("not_allowed", column=column, names=_names(FUNCTIONS), **_what(node))


# ---------------------------------------------------------------- from the tree to torch


def evaluate(node: Node, env: dict[str, torch.Tensor], trace: list | None = None):
    """The value of `node` with env's tensors; `trace` collects (node, value) bottom-up."""
    if node.kind == "num":
        out = node.value
    elif node.kind == "var":
        out = env[node.value]
    else:
        args = [evaluate(a, env, trace) for a in node.args]
        if node.kind == "neg":
            out = -args[0]
        elif node.kind == "bin":
            a, b = args
            op = node.value
            out = a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else \
                a / b if op == "/" else a ** b
        else:
            fn = FUNCTIONS[node.value]
            out = fn.torch_fn(*args) if fn.arity > 1 or isinstance(args[0], torch.Tensor) else fn.number_fn(*args)
    if trace is not None:
        trace.append((node, out))
    return out


def terms(node: Node) -> list[tuple[float, Node]]:
    """The top-level terms (sign, part) of a sum: `a - b + c` -> [(1, a), (-1, b), (1, c)]."""
    if node.kind == "bin" and node.value in ("+", "-"):
        left, right = terms(node.args[0]), terms(node.args[1])
        sign = 1.0 if node.value == "+" else -1.0
        return left + [(s * sign, n) for s, n in right]
    return [(1.0, node)]


@dataclass
class Formula:
    """A parsed loss: text, role, its terms; `__call__` gives the loss (a scalar tensor)."""

    text: str
    role: str
    tree: Node
    parts: list[tuple[float, Node]]

    @classmethod
    def parse(cls, text: str, role: str) -> "Formula":
        tree = parse(text, role)
        if not tree.variables:
            raise FormulaError("no_variable", role=ROLE_NAMES[role], names=_names(ROLE_VARIABLES[role]),
                               translate={"role": f"roles.{role}"})
        return cls(text, role, tree, terms(tree))

    def term_values(self, env) -> list[tuple[Node, torch.Tensor]]:
        """Each term's signed batch mean."""
        out = []
        for sign, part in self.parts:
            value = evaluate(part, env)
            value = value.mean() if isinstance(value, torch.Tensor) else _tensor(value, env["d_fake"])
            out.append((part, value if sign > 0 else -value))
        return out

    def __call__(self, env) -> torch.Tensor:
        values = [v for _, v in self.term_values(env)]
        total = values[0]
        for v in values[1:]:
            total = total + v
        return total

    def check(self, batch: int = 8) -> None:
        """Refuse, before training, a loss that is not one number or cannot be computed on logits."""
        gen = torch.Generator().manual_seed(0)
        env = {name: (torch.randn(batch, generator=gen) * 3).requires_grad_(True) for name in VARIABLES}
        try:
            value = self(env)
        except (RuntimeError, TypeError, ValueError) as exc:
            raise FormulaError("broken", role=ROLE_NAMES[self.role], reason=str(exc).split("\n")[0],
                               translate={"role": f"roles.{self.role}"}) from None
        if value.dim() != 0:
            raise FormulaError("not_scalar", role=ROLE_NAMES[self.role], shape=tuple(value.shape),
                               translate={"role": f"roles.{self.role}"})

    def explain_nonfinite(self, env, step: int) -> dict:
        """Which term, and which part first, made the loss NaN or infinite; the facts and a sentence."""
        for sign, part in self.parts:
            trace: list = []
            with torch.no_grad():
                evaluate(part, env, trace)
            for node, value in trace:       # bottom-up: the first non-finite part is where it broke
                t = value if isinstance(value, torch.Tensor) else torch.tensor(value)
                if not bool(torch.isfinite(t).all()):
                    kind = "nan" if bool(torch.isnan(t).any()) else "inf"
                    hint = _hint(node, kind)
                    facts = {"role": self.role, "step": step, "term": part.text, "part": node.text,
                             "value": kind, "hint": hint}
                    message = NONFINITE.format(role=ROLE_NAMES[self.role], value="NaN" if kind == "nan" else "inf",
                                               step=step, term=part.text, part=node.text, hint=HINTS[hint])
                    return {**facts, "message": message + "."}
        return {}


def _hint(node: Node, kind: str) -> str:
    if node.kind == "call" and FUNCTIONS[node.value].hint:
        return FUNCTIONS[node.value].hint
    if node.kind == "bin":
        return {"/": "division", "**": "power"}.get(node.value, "nan" if kind == "nan" else "overflow")
    return "nan" if kind == "nan" else "overflow"


def check_text(text: str, role: str) -> Formula:
    """Parse and check one formula (the pages' and the config's single entry point)."""
    formula = Formula.parse(text, role)
    formula.check()
    return formula


# ---------------------------------------------------------------- the built-in losses as formulas


@dataclass(frozen=True)
class LossFormulas:
    d: str
    g: str
    like: str            # the built-in loss whose reading (D's output, health chart, advice) it keeps

    def for_role(self, role: str) -> str:
        return self.d if role == "d" else self.g


# The one home of the built-in losses in the language. Keys of gan_core.training.losses.LOSSES,
# plus the original minimax generator loss (saturating), which no built-in class trains.
BUILTIN_FORMULAS: dict[str, LossFormulas] = {
    "lsgan": LossFormulas("0.5 * square(d_real - 1) + 0.5 * square(d_fake)", "0.5 * square(d_fake - 1)", "lsgan"),
    "bce": LossFormulas("softplus(-d_real) + softplus(d_fake)", "softplus(-d_fake)", "bce"),
    "minimax": LossFormulas("softplus(-d_real) + softplus(d_fake)", "-softplus(d_fake)", "bce"),
    "wgan-gp": LossFormulas("mean(d_fake) - mean(d_real)", "-d_fake", "wgan-gp"),
    "hinge": LossFormulas("relu(1 - d_real) + relu(1 + d_fake)", "-d_fake", "hinge"),
}


def starting_formulas(loss: str) -> LossFormulas:
    """The text the editors start from for built-in loss `loss`."""
    return BUILTIN_FORMULAS[loss]


# ---------------------------------------------------------------- the loss that trains


class FormulaLoss(GANLoss):
    """A GANLoss from two formulas; everything but the arithmetic (D's reading, the health
    chart, divergence thresholds, the gradient penalty) is the built-in loss `like`'s."""

    name = "formula"

    def __init__(self, d_text: str | None = None, g_text: str | None = None, like: str = "lsgan"):
        base = loss_class(like)
        start = BUILTIN_FORMULAS[like]
        self.base = base()
        self.like = like
        for attr in ("formula", "gradient_penalty_weight", "explode_threshold", "is_critic", "output_range",
                     "estimates_wasserstein", "d_steps_note", "advise_spectral_norm"):
            setattr(self, attr, getattr(base, attr))
        self.d_formula = check_text(d_text or start.d, "d")
        self.g_formula = check_text(g_text or start.g, "g")
        self.last = {}      # the last logits each formula saw (detached), to explain a NaN

    def d_loss_terms(self, real_logits, fake_logits):
        env = {"d_real": real_logits, "d_fake": fake_logits}
        self.last["d"] = {"d_real": real_logits.detach(), "d_fake": fake_logits.detach()}
        real, other = [], []
        for part, value in self.d_formula.term_values(env):
            (real if part.variables == {"d_real"} else other).append(value)
        zero = real_logits.new_zeros(())
        return sum(real, zero), sum(other, zero)

    def g_loss(self, fake_logits):
        self.last["g"] = {"d_fake": fake_logits.detach()}
        return self.g_formula({"d_fake": fake_logits})

    def d_output(self, logits):
        return self.base.d_output(logits)

    def explain_nonfinite(self, role: str, step: int) -> dict:
        """The facts (and an English sentence) of the NaN/inf the last `role` step produced."""
        env = self.last.get(role)
        if env is None:
            return {}
        formula = self.d_formula if role == "d" else self.g_formula
        return formula.explain_nonfinite(env, step)


def make_loss(loss: str, d_text: str = "", g_text: str = "") -> GANLoss:
    """The loss a run trains with: built-in `loss`, or formulas that keep `loss`'s reading."""
    if not d_text and not g_text:
        return loss_class(loss)()
    return FormulaLoss(d_text, g_text, like=loss)


# ---------------------------------------------------------------- before Start: what the loss asks of G


@dataclass
class GProfile:
    logits: list[float]           # D's output on a fake, over a range
    loss: list[float]             # G's loss there
    grad: list[float]             # dL_G / d(D's output)
    reference_loss: list[float]   # the non-saturating loss, for comparison
    reference_grad: list[float]
    warnings: list[str]           # keys of content "formula.warnings"


FRESH_G_LOGIT = -4.0     # D confident that a fake is fake (sigmoid ~ 0.018): where a fresh G lives


def g_profile(g_text: str, d_text: str | None = None, lo: float = -8.0, hi: float = 8.0, n: int = 81) -> GProfile:
    """G's loss and its gradient against D's output on fakes over [lo, hi], with the
    non-saturating loss beside it, and the warnings a student should read before Start."""
    g = check_text(g_text, "g")
    x = torch.linspace(lo, hi, n, dtype=torch.float64).requires_grad_(True)
    with torch.enable_grad():
        per = _per_sample(g, {"d_fake": x})
        (grad,) = torch.autograd.grad(per.sum(), x, allow_unused=True)
    grad = torch.zeros_like(x) if grad is None else grad
    ref = F.softplus(-x.detach())
    ref_grad = -torch.sigmoid(-x.detach())     # d/dx softplus(-x)
    warnings = []
    at = int(torch.argmin((x.detach() - FRESH_G_LOGIT).abs()))
    if not torch.isfinite(per).all() or not torch.isfinite(grad).all():
        warnings.append("g_nonfinite")
    elif float(grad[at]) > 1e-6:
        warnings.append("g_wrong_way")      # lowering G's loss lowers D's score on fakes
    elif abs(float(grad[at])) < 0.05 * abs(float(ref_grad[at])):
        warnings.append("g_vanishes")       # the saturating minimax loss: almost no gradient there
    if d_text:
        d = check_text(d_text, "d")
        if _unbounded(d, lo, hi):
            warnings.append("d_no_minimum")
    return GProfile([float(v) for v in x.detach()], [float(v) for v in per.detach()], [float(v) for v in grad],
                    [float(v) for v in ref], [float(v) for v in ref_grad], warnings)


def _per_sample(formula: Formula, env: dict[str, torch.Tensor]) -> torch.Tensor:
    """The loss of each position of env's tensors as a batch of its own (so a term's mean(...)
    does not mix the points of the range)."""
    n = len(next(iter(env.values())))
    return torch.stack([formula({k: v[i:i + 1] for k, v in env.items()}) for i in range(n)])


def _unbounded(d: Formula, lo: float, hi: float) -> bool:
    """D's loss still falling steeply at the edge of [lo, hi] for real or fake outputs: no minimum."""
    x = torch.linspace(lo, hi, 41, dtype=torch.float64)
    zero = torch.zeros_like(x)
    for real, fake in ((x, zero), (zero, x)):
        with torch.no_grad():
            per = _per_sample(d, {"d_real": real, "d_fake": fake})
        if not torch.isfinite(per).all():
            continue
        slope_lo = float(per[1] - per[0]) / float(x[1] - x[0])
        slope_hi = float(per[-1] - per[-2]) / float(x[1] - x[0])
        if slope_hi < -0.05 or slope_lo > 0.05:
            return True
    return False
