"""A small GraphQL executor for the test server (Python standard library only).

It parses GraphQL documents (operations, variables with defaults, aliases,
arguments, named and inline fragments, @include/@skip) and projects a tree
of plain Python values onto the requested selection set. A field value may
be a callable, which is called with the field's resolved arguments; that is
how fields with arguments (``bucket(name:..)``) and lazy fields are served.

This is not a validating GraphQL server: there is no schema check. Fields a
client asks for that the tree does not have are answered with ``null`` and
reported in ``Result.unknown`` so tests can see what a client needed.
"""

import re

__all__ = ["GraphQLSyntaxError", "parse", "execute", "operation_info"]


class GraphQLSyntaxError(ValueError):
    pass


_PUNCT = set("!$&()[]{}:=@|")
_NAME_RE = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
_NUM_RE = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def _tokenize(src):
    toks = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in " \t\r\n,\ufeff":
            i += 1
        elif c == "#":
            while i < n and src[i] not in "\r\n":
                i += 1
        elif src.startswith("...", i):
            toks.append(("punct", "..."))
            i += 3
        elif c in _PUNCT:
            toks.append(("punct", c))
            i += 1
        elif src.startswith('"""', i):
            j = src.find('"""', i + 3)
            while j != -1 and src[j - 1] == "\\":
                j = src.find('"""', j + 3)
            if j == -1:
                raise GraphQLSyntaxError("unterminated block string")
            toks.append(("string", src[i + 3:j].replace('\\"""', '"""')))
            i = j + 3
        elif c == '"':
            j = i + 1
            out = []
            while True:
                if j >= n:
                    raise GraphQLSyntaxError("unterminated string")
                ch = src[j]
                if ch == '"':
                    break
                if ch == "\\":
                    esc = src[j + 1:j + 2]
                    if esc == "u":
                        out.append(chr(int(src[j + 2:j + 6], 16)))
                        j += 6
                        continue
                    out.append({"n": "\n", "t": "\t", "r": "\r", "b": "\b",
                                "f": "\f"}.get(esc, esc))
                    j += 2
                    continue
                out.append(ch)
                j += 1
            toks.append(("string", "".join(out)))
            i = j + 1
        else:
            m = _NAME_RE.match(src, i)
            if m:
                toks.append(("name", m.group(0)))
                i = m.end()
                continue
            m = _NUM_RE.match(src, i)
            if m:
                s = m.group(0)
                toks.append(("number", float(s) if (m.group(2) or m.group(3)) else int(s)))
                i = m.end()
                continue
            raise GraphQLSyntaxError("unexpected character %r at %d" % (c, i))
    toks.append(("eof", None))
    return toks


class Field:
    __slots__ = ("alias", "name", "args", "directives", "selections")

    def __init__(self, alias, name, args, directives, selections):
        self.alias, self.name, self.args = alias, name, args
        self.directives, self.selections = directives, selections


class Spread:
    __slots__ = ("name", "directives")

    def __init__(self, name, directives):
        self.name, self.directives = name, directives


class Inline:
    __slots__ = ("type_cond", "directives", "selections")

    def __init__(self, type_cond, directives, selections):
        self.type_cond, self.directives, self.selections = type_cond, directives, selections


class Operation:
    def __init__(self, kind, name, var_defs, selections):
        self.kind, self.name, self.var_defs, self.selections = kind, name, var_defs, selections


class Document:
    def __init__(self, operations, fragments):
        self.operations, self.fragments = operations, fragments


class _Var:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class _Parser:
    def __init__(self, src):
        self.toks = _tokenize(src)
        self.i = 0

    def peek(self, k=0):
        return self.toks[self.i + k]

    def next(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, kind, value=None):
        t = self.next()
        if t[0] != kind or (value is not None and t[1] != value):
            raise GraphQLSyntaxError("expected %s %s, got %r" % (kind, value or "", t[1]))
        return t[1]

    def at(self, kind, value=None):
        t = self.peek()
        return t[0] == kind and (value is None or t[1] == value)

    def document(self):
        ops, frags = [], {}
        while not self.at("eof"):
            if self.at("punct", "{"):
                ops.append(Operation("query", None, {}, self.selection_set()))
            elif self.at("name", "fragment"):
                self.next()
                name = self.expect("name")
                self.expect("name", "on")
                self.expect("name")
                self.directives()
                frags[name] = self.selection_set()
            elif self.at("name") and self.peek()[1] in ("query", "mutation", "subscription"):
                kind = self.next()[1]
                name = self.next()[1] if self.at("name") else None
                var_defs = self.var_defs() if self.at("punct", "(") else {}
                self.directives()
                ops.append(Operation(kind, name, var_defs, self.selection_set()))
            else:
                raise GraphQLSyntaxError("unexpected token %r" % (self.peek()[1],))
        if not ops:
            raise GraphQLSyntaxError("document has no operation")
        return Document(ops, frags)

    def var_defs(self):
        self.expect("punct", "(")
        defs = {}
        while not self.at("punct", ")"):
            self.expect("punct", "$")
            name = self.expect("name")
            self.expect("punct", ":")
            self.type_ref()
            default = None
            if self.at("punct", "="):
                self.next()
                default = self.value(const=True)
            self.directives()
            defs[name] = default
        self.next()
        return defs

    def type_ref(self):
        if self.at("punct", "["):
            self.next()
            self.type_ref()
            self.expect("punct", "]")
        else:
            self.expect("name")
        if self.at("punct", "!"):
            self.next()

    def directives(self):
        out = []
        while self.at("punct", "@"):
            self.next()
            name = self.expect("name")
            args = self.arguments() if self.at("punct", "(") else {}
            out.append((name, args))
        return out

    def arguments(self):
        self.expect("punct", "(")
        args = {}
        while not self.at("punct", ")"):
            name = self.expect("name")
            self.expect("punct", ":")
            args[name] = self.value()
        self.next()
        return args

    def value(self, const=False):
        t = self.next()
        kind, v = t
        if kind == "punct" and v == "$" and not const:
            return _Var(self.expect("name"))
        if kind in ("number", "string"):
            return v
        if kind == "name":
            return {"true": True, "false": False, "null": None}.get(v, v)
        if kind == "punct" and v == "[":
            out = []
            while not self.at("punct", "]"):
                out.append(self.value(const))
            self.next()
            return out
        if kind == "punct" and v == "{":
            out = {}
            while not self.at("punct", "}"):
                name = self.expect("name")
                self.expect("punct", ":")
                out[name] = self.value(const)
            self.next()
            return out
        raise GraphQLSyntaxError("unexpected value token %r" % (v,))

    def selection_set(self):
        self.expect("punct", "{")
        sels = []
        while not self.at("punct", "}"):
            if self.at("punct", "..."):
                self.next()
                if self.at("name") and self.peek()[1] != "on":
                    name = self.next()[1]
                    sels.append(Spread(name, self.directives()))
                else:
                    cond = None
                    if self.at("name", "on"):
                        self.next()
                        cond = self.expect("name")
                    dirs = self.directives()
                    sels.append(Inline(cond, dirs, self.selection_set()))
                continue
            name = self.expect("name")
            alias = None
            if self.at("punct", ":"):
                self.next()
                alias, name = name, self.expect("name")
            args = self.arguments() if self.at("punct", "(") else {}
            dirs = self.directives()
            subs = self.selection_set() if self.at("punct", "{") else None
            sels.append(Field(alias, name, args, dirs, subs))
        self.next()
        return sels


def parse(src):
    return _Parser(src).document()


def _resolve_value(v, variables):
    if isinstance(v, _Var):
        return variables.get(v.name)
    if isinstance(v, list):
        return [_resolve_value(x, variables) for x in v]
    if isinstance(v, dict):
        return {k: _resolve_value(x, variables) for k, x in v.items()}
    return v


class Result:
    def __init__(self):
        self.data = None
        self.errors = []
        self.unknown = []     # "Type.field" paths the tree could not answer
        self.root_fields = []


def _included(directives, variables):
    for name, args in directives or ():
        cond = _resolve_value(args.get("if"), variables)
        if name == "skip" and cond:
            return False
        if name == "include" and not cond:
            return False
    return True


def _collect(selections, doc, variables, out=None):
    out = [] if out is None else out
    for s in selections:
        if not _included(s.directives, variables):
            continue
        if isinstance(s, Field):
            out.append(s)
        elif isinstance(s, Spread):
            frag = doc.fragments.get(s.name)
            if frag is None:
                raise GraphQLSyntaxError("unknown fragment %s" % s.name)
            _collect(frag, doc, variables, out)
        else:
            _collect(s.selections, doc, variables, out)
    return out


def _merge(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        for k, v in b.items():
            a[k] = _merge(a[k], v) if k in a else v
        return a
    return b


class FieldError(Exception):
    """Raise from a resolver to put a GraphQL error in the response."""

    def __init__(self, message, extensions=None):
        Exception.__init__(self, message)
        self.message = message
        self.extensions = extensions


def _complete(value, selections, doc, variables, res, path):
    if selections is None or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_complete(v, selections, doc, variables, res, path) for v in value]
    if not isinstance(value, dict):
        return value
    tname = value.get("__typename", "?")
    out = {}
    for f in _collect(selections, doc, variables):
        key = f.alias or f.name
        if f.name == "__typename":
            v = tname
        elif f.name in value:
            v = value[f.name]
            if callable(v):
                args = {k: _resolve_value(a, variables) for k, a in f.args.items()}
                try:
                    v = v(args)
                except FieldError as e:
                    err = {"message": e.message, "path": path + [key]}
                    if e.extensions:
                        err["extensions"] = e.extensions
                    res.errors.append(err)
                    v = None
            v = _complete(v, f.selections, doc, variables, res, path + [key])
        else:
            res.unknown.append("%s.%s" % (tname, f.name))
            v = None
        out[key] = _merge(out[key], v) if key in out else v
    return out


def operation_info(query, operation_name=None):
    """(kind, name, root field names) of the operation that would run."""
    doc = parse(query)
    op = _pick(doc, operation_name)
    names = [f.name for f in _collect(op.selections, doc, {})]
    return op.kind, op.name, names


def _pick(doc, operation_name):
    if operation_name:
        for op in doc.operations:
            if op.name == operation_name:
                return op
        raise GraphQLSyntaxError("unknown operation %s" % operation_name)
    if len(doc.operations) != 1:
        raise GraphQLSyntaxError("operationName required for a document with several operations")
    return doc.operations[0]


def execute(query, variables, operation_name, roots):
    """Run ``query``; ``roots`` maps "query"/"mutation" to root value dicts.

    Returns a Result. Syntax errors raise GraphQLSyntaxError.
    """
    doc = parse(query)
    op = _pick(doc, operation_name)
    variables = dict(variables or {})
    for name, default in op.var_defs.items():
        if name not in variables:
            variables[name] = default
    res = Result()
    root = roots.get(op.kind)
    if root is None:
        raise GraphQLSyntaxError("%s operations are not supported" % op.kind)
    res.root_fields = [f.name for f in _collect(op.selections, doc, variables)]
    res.data = _complete(root, op.selections, doc, variables, res, [])
    return res
