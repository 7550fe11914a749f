"""Translation catalogues: complete (kk, ru), compiled .mo up to date, placeholders intact, and in
step with the source (every gettext string of the code and templates is in them, none is stale).

Stdlib only: a small parser of .po files and a reader of GNU .mo files, cross-checked with
gettext.GNUTranslations (what Django itself uses to load catalogues). No database needed. The source
strings are extracted by Django's own `makemessages` (xgettext) from a temporary copy of the project.
"""

import gettext
import io
import os
import re
import shutil
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

PROJECT_DIR = Path(__file__).resolve().parents[1]
LOCALE_DIR = PROJECT_DIR / "locale"
REQUIRED_COMPLETE = ("kk", "ru")  # en is the source language: its msgstr stay empty
EXPECTED_PLURAL_FORMS = {
    "ru": (
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);"
    ),
    "kk": "nplurals=2; plural=(n!=1);",
    "en": "nplurals=2; plural=(n != 1);",
}
PO_FILES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
CONTEXT_SEPARATOR = "\x04"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_ESCAPE_RE = re.compile(r"\\(.)")
_KEYWORD_RE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')
# %(name)s, %s, %d, %5.2f ... (not %%), and str.format fields {name}, {0}, {}.
_PRINTF_RE = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa]")
_BRACE_RE = re.compile(r"(?<!\{)\{[^{}\s]*\}(?!\})")


@dataclass
class PoEntry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0
    references: list[str] = field(default_factory=list)  # `#: file:line` comments

    @property
    def key(self) -> str:
        """The key of the entry in a compiled catalogue (context, then msgid)."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}{CONTEXT_SEPARATOR}{self.msgid}"

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def translations(self) -> list[str]:
        return [self.msgstr[i] for i in sorted(self.msgstr)]

    @property
    def is_translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and "fuzzy" not in self.flags

    def label(self) -> str:
        ctx = f" [context {self.msgctxt!r}]" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{ctx}"


def _unquote(token: str) -> str:
    if not (len(token) >= 2 and token.startswith('"') and token.endswith('"')):
        raise ValueError(f"not a quoted PO string: {token!r}")
    return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), token[1:-1])


def parse_po(path: Path) -> list[PoEntry]:
    """Entries of a .po file in order (obsolete `#~` entries are skipped)."""
    entries: list[PoEntry] = []
    flags: set[str] = set()
    references: list[str] = []
    current: PoEntry | None = None
    pending_ctxt: str | None = None
    target: tuple[str, int] | None = None  # which string continuation lines extend

    def append(text: str) -> None:
        assert target is not None
        kind, index = target
        if kind == "msgctxt":
            nonlocal pending_ctxt
            pending_ctxt = (pending_ctxt or "") + text
            return
        assert current is not None
        if kind == "msgid":
            current.msgid += text
        elif kind == "msgid_plural":
            current.msgid_plural = (current.msgid_plural or "") + text
        else:
            current.msgstr[index] += text

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            elif line.startswith("#:"):
                references += line[2:].split()
            continue
        if line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}:{number}: continuation line outside an entry")
            append(_unquote(line))
            continue
        match = _KEYWORD_RE.match(line)
        if match is None:
            raise ValueError(f"{path}:{number}: cannot parse {raw!r}")
        keyword, index, token = match.group(1), match.group(2), match.group(3)
        text = _unquote(token)
        if keyword == "msgctxt":
            pending_ctxt, target = text, ("msgctxt", 0)
        elif keyword == "msgid":
            current = PoEntry(
                msgid=text, msgctxt=pending_ctxt, flags=flags, line=number, references=references
            )
            entries.append(current)
            pending_ctxt, flags, references, target = None, set(), [], ("msgid", 0)
        elif current is None:
            raise ValueError(f"{path}:{number}: {keyword} before msgid")
        elif keyword == "msgid_plural":
            current.msgid_plural, target = text, ("msgid_plural", 0)
        else:
            position = int(index) if index is not None else 0
            current.msgstr[position] = text
            target = ("msgstr", position)
    return entries


def read_mo(path: Path) -> dict[str, list[str]]:
    """Raw catalogue of a GNU .mo file: key (context\\x04msgid) -> translations (all plural forms)."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    endian = {0x950412DE: "<", 0xDE120495: ">"}.get(magic)
    if endian is None:
        raise ValueError(f"{path}: not a GNU .mo file")
    _revision, count, originals_at, translations_at = struct.unpack(f"{endian}4I", data[4:20])
    catalogue: dict[str, list[str]] = {}
    for i in range(count):
        o_len, o_off = struct.unpack(f"{endian}2I", data[originals_at + 8 * i : originals_at + 8 * i + 8])
        t_len, t_off = struct.unpack(
            f"{endian}2I", data[translations_at + 8 * i : translations_at + 8 * i + 8]
        )
        original = data[o_off : o_off + o_len].decode("utf-8")
        translated = data[t_off : t_off + t_len].decode("utf-8")
        catalogue[original.split("\x00")[0]] = translated.split("\x00")
    return catalogue


def header_fields(entries: list[PoEntry]) -> dict[str, str]:
    header = next((e for e in entries if e.is_header), None)
    assert header is not None, "the catalogue has no header entry"
    fields: dict[str, str] = {}
    for line in header.msgstr.get(0, "").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def plural_function(entries: list[PoEntry]) -> tuple[int, Callable[[int], int]]:
    plural_forms = header_fields(entries)["Plural-Forms"]
    nplurals = re.search(r"nplurals\s*=\s*(\d+)", plural_forms)
    formula = re.search(r"plural\s*=\s*(.+?);?\s*$", plural_forms)
    assert nplurals is not None, plural_forms
    assert formula is not None, plural_forms
    return int(nplurals.group(1)), gettext.c2py(formula.group(1))


def placeholders(text: str) -> Counter[str]:
    return Counter(_PRINTF_RE.findall(text.replace("%%", ""))) + Counter(_BRACE_RE.findall(text))


def language_of(po: Path) -> str:
    return po.parent.parent.name


def po_id(po: Path) -> str:
    return str(po.relative_to(LOCALE_DIR))


def messages(po: Path) -> list[PoEntry]:
    return [e for e in parse_po(po) if not e.is_header]


# The extensions `makemessages` reads for the "django" domain; only these files are copied.
SOURCE_SUFFIXES = frozenset({".py", ".html", ".txt"})
GETTEXT_PROGRAMS = ("xgettext", "msguniq")  # what `makemessages` runs to build the .pot


@dataclass(frozen=True)
class SourceStrings:
    entries: list[PoEntry]  # the .pot built from the source, with `#:` references
    log: str  # what makemessages/xgettext printed (warnings)

    def identities(self) -> dict[tuple[str, str | None], PoEntry]:
        return {identity(e): e for e in self.entries}


def identity(entry: PoEntry) -> tuple[str, str | None]:
    """What must agree between source and catalogue: context, msgid and plural msgid."""
    return entry.key, entry.msgid_plural


def make_messages_ignore_patterns() -> list[str]:
    """The `-i` patterns of `make messages`, so the extraction scans exactly the files it scans."""
    command = next(
        (
            line
            for line in (PROJECT_DIR / "Makefile").read_text(encoding="utf-8").splitlines()
            if "makemessages" in line and not line.lstrip().startswith("#")
        ),
        None,
    )
    assert command is not None, "the Makefile has no makemessages command (target `messages`)"
    return re.findall(r"(?:-i|--ignore)[ =]'([^']*)'", command)


def copy_sources(destination: Path) -> None:
    """Copy the project's .py/.html/.txt files, walking it as makemessages does.

    Hidden directories (.git, .venv, caches) and MEDIA_ROOT/STATIC_ROOT are skipped as makemessages
    skips them; a `locale` directory is recreated empty, so the strings of an app with a catalogue of
    its own still go there and not into the project's catalogue. Templates are copied because
    makemessages writes temporary .py files next to them: the real tree is never touched.
    """
    skipped = {Path(root).resolve() for root in (settings.MEDIA_ROOT, settings.STATIC_ROOT) if root}
    for dirpath, dirnames, filenames in os.walk(PROJECT_DIR):
        here = Path(dirpath)
        target = destination / here.relative_to(PROJECT_DIR)
        walk_into = []
        for name in dirnames:
            if name.startswith(".") or name == "__pycache__" or (here / name).resolve() in skipped:
                continue
            if name == "locale":
                (target / name).mkdir(parents=True, exist_ok=True)
                continue
            walk_into.append(name)
        dirnames[:] = walk_into
        for name in filenames:
            if Path(name).suffix in SOURCE_SUFFIXES:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(here / name, target / name)


def extract_source_strings(project: Path) -> SourceStrings:
    """Build django.pot of a source tree (a copy) with `makemessages` itself, as `make messages` does."""
    locale = project / "locale"
    locale.mkdir(exist_ok=True)
    log = io.StringIO()
    # No language folders in the copy's locale/: --all builds the .pot only, --keep-pot keeps it.
    with pytest.MonkeyPatch.context() as patch, override_settings(LOCALE_PATHS=[str(locale)]):
        patch.chdir(project)
        call_command(
            "makemessages",
            all=True,
            keep_pot=True,
            ignore_patterns=make_messages_ignore_patterns(),
            verbosity=1,
            stdout=log,
            stderr=log,
        )
    pot = locale / "django.pot"
    assert pot.exists(), f"makemessages wrote no {pot}:\n{log.getvalue()}"
    return SourceStrings(entries=messages(pot), log=log.getvalue())


# ---------------------------------------------------------------------------------------------


def test_catalogues_exist() -> None:
    languages = {language_of(po) for po in PO_FILES}
    assert {"kk", "ru", "en"} <= languages, f"catalogues found: {sorted(languages)}"


def test_catalogues_share_the_same_msgids() -> None:
    keys = {po_id(po): {e.key for e in messages(po)} for po in PO_FILES if po.name == "django.po"}
    union = set().union(*keys.values())
    missing = {name: sorted(union - found) for name, found in keys.items() if union - found}
    assert not missing, f"msgids missing from some catalogues (run `make messages`): {missing}"


@pytest.mark.parametrize("po", PO_FILES, ids=po_id)
def test_header(po: Path) -> None:
    lang = language_of(po)
    entries = parse_po(po)
    header = next(e for e in entries if e.is_header)
    fields = header_fields(entries)
    assert "fuzzy" not in header.flags, "a fuzzy header is dropped by msgfmt (plural forms get lost)"
    assert fields.get("Language") == lang
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    if lang in EXPECTED_PLURAL_FORMS:
        assert fields.get("Plural-Forms") == EXPECTED_PLURAL_FORMS[lang]
    nplurals, _plural = plural_function(entries)
    wrong = [e.label() for e in entries if e.msgid_plural is not None and len(e.msgstr) != nplurals]
    assert not wrong, f"plural entries without exactly {nplurals} msgstr[n]: {wrong}"


@pytest.mark.parametrize("lang", REQUIRED_COMPLETE)
def test_catalogue_is_complete(lang: str) -> None:
    pos = sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))
    assert pos, f"no catalogue for {lang}"
    problems = [
        f"{po_id(po)} {e.label()}: {'fuzzy' if 'fuzzy' in e.flags else 'untranslated'}"
        for po in pos
        for e in messages(po)
        if not e.is_translated
    ]
    assert not problems, "empty or fuzzy translations:\n" + "\n".join(problems)


@pytest.mark.parametrize("po", PO_FILES, ids=po_id)
def test_mo_is_up_to_date(po: Path) -> None:
    """The committed .mo matches its .po exactly (`manage.py compilemessages` was run)."""
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo.relative_to(LOCALE_DIR)} is missing: run `make messages`"
    entries = parse_po(po)
    expected = {e.key: e.translations for e in entries if not e.is_header and e.is_translated}
    compiled = {key: value for key, value in read_mo(mo).items() if key != ""}
    stale = sorted(
        f"{key!r}: .po {expected.get(key)!r} != .mo {compiled.get(key)!r}"
        for key in expected.keys() | compiled.keys()
        if expected.get(key) != compiled.get(key)
    )
    assert not stale, f"{mo.relative_to(LOCALE_DIR)} is stale, run `make messages`:\n" + "\n".join(stale)

    # The same, through the loader Django uses, including the plural formula of the header.
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    _nplurals, plural = plural_function(entries)
    for e in entries:
        if e.is_header or not e.is_translated:
            continue
        if e.msgid_plural is None:
            got = catalogue.gettext(e.msgid) if e.msgctxt is None else catalogue.pgettext(e.msgctxt, e.msgid)
            assert got == e.msgstr[0], f"{e.label()}: .mo gives {got!r}"
            continue
        for n in range(0, 202):
            if e.msgctxt is None:
                got = catalogue.ngettext(e.msgid, e.msgid_plural, n)
            else:
                got = catalogue.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
            assert got == e.msgstr[plural(n)], f"{e.label()} n={n}: .mo gives {got!r}"


@pytest.mark.parametrize("po", PO_FILES, ids=po_id)
def test_placeholders_match(po: Path) -> None:
    """%(x)s / %s / {x} in every translation are exactly those of the msgid.

    A plural form may repeat or drop nothing: each form carries the placeholders of msgid and
    msgid_plural together (in Russian form 0 also serves 21, 31, ... so it needs the counter).
    """
    problems = []
    for e in messages(po):
        for index, text in e.msgstr.items():
            if not text:
                continue
            if e.msgid_plural is None:
                got, wanted = placeholders(text), placeholders(e.msgid)
            else:
                got = Counter(set(placeholders(text)))
                wanted = Counter(set(placeholders(e.msgid)) | set(placeholders(e.msgid_plural)))
            if got != wanted:
                problems.append(f"{e.label()} msgstr[{index}]: {sorted(got)} != {sorted(wanted)}")
    assert not problems, "placeholders differ from the msgid:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", REQUIRED_COMPLETE)
def test_django_serves_the_catalogue(lang: str) -> None:
    """LOCALE_PATHS is wired: Django returns the project's translation, not its own or the msgid."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"
    with translation.override(lang):
        wrong = [
            f"{e.label()}: {translation.gettext(e.msgid)!r}"
            for e in messages(po)
            if e.msgid_plural is None and e.msgctxt is None and e.is_translated
            if translation.gettext(e.msgid) != e.msgstr[0]
        ]
    assert not wrong, "\n".join(wrong)


def test_russian_plural_forms_render() -> None:
    with translation.override("ru"):
        rendered = [
            translation.ngettext("%(counter)s organisation", "%(counter)s organisations", n) % {"counter": n}
            for n in (1, 3, 5, 11, 21, 22, 25, 111)
        ]
    assert rendered == [
        "1 организация",
        "3 организации",
        "5 организаций",
        "11 организаций",
        "21 организация",
        "22 организации",
        "25 организаций",
        "111 организаций",
    ]


def test_parser_self_check(tmp_path: Path) -> None:
    """The small .po parser understands escapes, continuations, context, plurals and flags."""
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: xx\\n"\n\n'
        "#: kezek/a.py:3 templates/b.html:7\n#, fuzzy, python-format\n#: kezek/c.py:1\n"
        'msgctxt "c"\nmsgid "a \\"%(n)s\\" "\n"b"\nmsgstr ""\n"x"\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "1"\nmsgstr[1] ""\n',
        encoding="utf-8",
    )
    header, first, second = parse_po(po)
    assert header.is_header
    assert header_fields([header]) == {"Language": "xx"}
    assert (first.msgctxt, first.msgid, first.msgstr) == ("c", 'a "%(n)s" b', {0: "x"})
    assert first.key == 'c\x04a "%(n)s" b'
    assert first.flags == {"fuzzy", "python-format"}
    assert first.references == ["kezek/a.py:3", "templates/b.html:7", "kezek/c.py:1"]
    assert header.references == second.references == []
    assert not first.is_translated
    assert second.msgid_plural == "many"
    assert second.msgstr == {0: "1", 1: ""}
    assert not second.is_translated
    assert placeholders("%(a)s {b} %s %% {{c}} %d") == Counter({"%(a)s": 1, "{b}": 1, "%s": 1, "%d": 1})


def gettext_tools() -> None:
    missing = [program for program in GETTEXT_PROGRAMS if shutil.which(program) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (Debian package `gettext`): cannot extract strings")


@pytest.fixture(scope="module")
def source_strings(tmp_path_factory: pytest.TempPathFactory) -> SourceStrings:
    gettext_tools()
    project = tmp_path_factory.mktemp("sources")
    copy_sources(project)
    return extract_source_strings(project)


def _describe(entry: PoEntry) -> str:
    where = ", ".join(entry.references[:3]) + (", ..." if len(entry.references) > 3 else "")
    plural = f" / {entry.msgid_plural!r}" if entry.msgid_plural is not None else ""
    ctx = f" [context {entry.msgctxt!r}]" if entry.msgctxt is not None else ""
    return f"{entry.msgid!r}{plural}{ctx} ({where or 'no location'})"


def test_source_strings_are_extracted(source_strings: SourceStrings) -> None:
    """The extraction works at all: strings of Python code, a template and a plural are found."""
    found = source_strings.identities()
    assert ("Kazakh", None) in found, source_strings.log  # config/settings/i18n.py
    assert ("Next", None) in found, source_strings.log  # a {% translate %} in templates/
    assert ("%(counter)s organisation", "%(counter)s organisations") in found, source_strings.log
    assert all(e.references for e in source_strings.entries), "every extracted string has a location"


@pytest.mark.parametrize("po", [po for po in PO_FILES if po.name == "django.po"], ids=po_id)
def test_every_source_string_is_in_the_catalogue(po: Path, source_strings: SourceStrings) -> None:
    """A gettext string added to the code or a template is in the catalogue (`make messages` was run)."""
    catalogue = {identity(e) for e in messages(po)}
    missing = [_describe(entry) for key, entry in source_strings.identities().items() if key not in catalogue]
    assert not missing, (
        f"{len(missing)} source strings are not in {po_id(po)}: run `make messages`, translate the new "
        "kk/ru entries and compile:\n" + "\n".join(sorted(missing))
    )


@pytest.mark.parametrize("po", [po for po in PO_FILES if po.name == "django.po"], ids=po_id)
def test_catalogue_has_no_stale_entries(po: Path, source_strings: SourceStrings) -> None:
    """Every catalogue entry is still used somewhere (`make messages` runs with --no-obsolete)."""
    used = source_strings.identities()
    stale = [e.label() for e in messages(po) if identity(e) not in used]
    assert not stale, (
        f"{po_id(po)} has entries no source uses any more (changed or removed strings): run "
        "`make messages`:\n" + "\n".join(stale)
    )


def test_extraction_self_check(tmp_path: Path) -> None:
    """On a tiny tree: code, templates and plurals are found; ignored and hidden folders are not."""
    gettext_tools()
    files = {
        "app/views.py": (
            "from django.utils.translation import gettext_lazy as _, ngettext, pgettext\n"
            "A = _('Kezek: one')\n"
            "B = ngettext('%(n)s child', '%(n)s children', 2)\n"
            "C = pgettext('queue', 'Kezek: next')\n"
        ),
        "app/templates/app/page.html": "{% load i18n %}{% translate 'Kezek: two' %}",
        "app/templates/app/sms.txt": (
            "{% load i18n %}{% blocktranslate trimmed count n=n %}\nKezek: {{ n }} day\n"
            "{% plural %}\nKezek: {{ n }} days\n{% endblocktranslate %}"
        ),
        "build/lib/copy.py": "from django.utils.translation import gettext as _\nX = _('Kezek: built')\n",
        ".venv/lib/site.py": "from django.utils.translation import gettext as _\nY = _('Kezek: venv')\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")

    found = extract_source_strings(tmp_path).identities()

    assert set(found) == {
        ("Kezek: one", None),
        ("%(n)s child", "%(n)s children"),
        ("queue\x04Kezek: next", None),
        ("Kezek: two", None),
        ("Kezek: %(n)s day", "Kezek: %(n)s days"),
    }
    assert found[("Kezek: two", None)].references == ["app/templates/app/page.html:1"]
    assert not list(tmp_path.rglob("*.html.py")), "makemessages' temporary files are cleaned up"
