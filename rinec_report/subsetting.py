"""Applying a patient subset to a run (:mod:`rinec_report.subset` says what one is):
the ids the user gave read and checked against the run's patients, each plugin's
parsed files cut, and the run's record (inputs, messages, command line, config)
cleaned of the patients left out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .results import UsageError
from .subset import SUBSET_KEYS, Subset

if TYPE_CHECKING:
    from .patients import Patients
    from .results import Message

# A file of ids (`--patients @ids.txt`) is the user's own; it is still bounded, so that a
# wrong path (a disk image, /dev/zero) is one line rather than a hung run.
MAX_ID_FILE_BYTES = 16 << 20
# How many unknown ids an error names.
SHOWN_UNKNOWN = 5


class SubsetError(UsageError):
    """A subset that cannot be applied (an unknown id, no list of patients, an
    unreadable file of ids): a usage error, said in one line, exit 2."""


def split_ids(text: str, run_dir: str | Path | None = None) -> list[str]:
    """``"P3, P5"`` -> ``["P3", "P5"]``; ``"@file"`` -> the file's ids, one a line
    (blank lines and lines starting with ``#`` skipped)."""
    text = text.strip()
    if text.startswith("@"):
        return read_id_file(Path(text[1:]), run_dir)
    return [part.strip() for part in text.split(",") if part.strip()]


def read_id_file(path: Path, run_dir: str | Path | None = None) -> list[str]:
    """The ids of the user's file. The user named it, so a link is followed, except in
    the run directory, whose files are read as every input is (no link followed)."""
    from .config import in_run_dir
    from .safeio import open_regular

    shared = in_run_dir(path, run_dir) if run_dir is not None and Path(run_dir).is_dir() else None
    try:
        with open_regular(shared or path, follow_links=shared is None) as fh:
            raw = fh.read(MAX_ID_FILE_BYTES + 1)
    except OSError as exc:
        raise SubsetError(f"{path}: cannot read the list of patient ids ({exc.strerror or exc})") from None
    if len(raw) > MAX_ID_FILE_BYTES:
        raise SubsetError(f"{path}: larger than {MAX_ID_FILE_BYTES >> 20} MB; not a list of patient ids")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubsetError(f"{path}: not UTF-8 text; one patient id a line is expected") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def everyone(host: Any, parsed: dict[str, list[Any]], config: dict[str, Any], run: Any) -> Patients:
    """The resolver over every patient of the run, before any cut: the identity sources'
    datasets (the clinical table's) built from every parsed file, quietly (their
    messages are said again, over the subset's rows, when the report's own are built)."""
    from .datasets import Datasets
    from .parse import guarded
    from .patients import Patients

    def quiet(name: str) -> Any:
        result, error, _, _ = guarded(lambda: host.call(
            name, "rinec_datasets", datasets=datasets, patients=full, config=config, run=run,
            files=parsed.get(name, []), options=config.get(name, {})))
        return None if error else result or None

    def declared() -> list[dict[str, list[str]]]:
        out = []
        for name in host.names:
            if host.implements(name, "rinec_patient_samples") and datasets.own(name) is not None:
                got, error, _, _ = guarded(lambda name=name: host.call(
                    name, "rinec_patient_samples", data=datasets.own(name), options=config.get(name, {}),
                    config=config))
                out.append(dict(got or {}) if not error else {})
        return out

    datasets = Datasets(host.names, quiet)
    full = Patients(config["patients"], config["samples"], declared)
    return full


def resolve(include: list[str], exclude: list[str], full: Patients) -> Subset | None:
    """The subset asked for, over the run's patients (``full``); ``None`` when none is.
    Include, then exclude. An id the run does not know is a :class:`SubsetError`."""
    if not include and not exclude:
        return None
    known = full.ids
    if not known:
        raise SubsetError("a patient subset needs the run's list of patients (a clinical table, a sample "
                          "sheet or the config's samples:), and this run has none")
    known_set = set(known)
    asked = [full.canonical(i) for i in [*include, *exclude]]
    unknown = list(dict.fromkeys(i for i in asked if i not in known_set))
    if unknown:
        shown = ", ".join(unknown[:SHOWN_UNKNOWN]) + (" ..." if len(unknown) > SHOWN_UNKNOWN else "")
        raise SubsetError(f"{len(unknown)} patient id{'s' if len(unknown) != 1 else ''} of the subset "
                          f"{'are' if len(unknown) != 1 else 'is'} not in the run: {shown} "
                          f"(the run has {len(known)} patients; see the patient summary)")
    kept = {full.canonical(i) for i in include} if include else set(known)
    kept -= {full.canonical(i) for i in exclude}
    if not kept:
        raise SubsetError("the patient subset leaves no patient in the report")
    return Subset(kept, known_set - kept, len(known), full)


def default_rows(data: Any, subset: Subset) -> tuple[Any, bool]:
    """A plain table's rows of the subset, by its ``patient_id``, ``sample`` and
    ``sample_id`` columns: ``(rows, True)``; ``(data, False)`` when the core cannot
    place its data with patients (not a table, or a table without those columns)."""
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        return data, False
    columns = {str(c).lower(): c for c in data.columns}
    patient = columns.get("patient_id")
    sample = columns.get("sample", columns.get("sample_id"))
    if patient is None and sample is None:
        return data, False
    return subset.rows(data, patient, sample), True


@dataclass
class Outcome:
    """What the subset did to the run's parsed files."""

    parsed: dict[str, list[Any]] = field(default_factory=dict)  # each plugin's files, cut
    excluded_files: set[str] = field(default_factory=set)  # relpaths of files only left-out patients had
    left_out_plugins: list[str] = field(default_factory=list)  # plugins whose data could not be cut
    messages: list[Message] = field(default_factory=list)
    subset: Subset | None = None
    cut_files: set[str] = field(default_factory=set)  # relpaths of files that lost a left-out patient's part

    def names(self, text: str) -> bool:
        """Whether ``text`` (a log line) names a left-out patient, sample or file."""
        assert self.subset is not None
        return self.subset.names_excluded(text) or any(rel in text for rel in self.excluded_files)
    dropped_messages: int = 0  # parse messages about those files, not shown
    dropped_errors: int = 0


LEFT_OUT = ("its data cannot be cut to the patient subset (the plugin does not implement rinec_subset, and "
            "its parsed data are not tables with a patient_id, sample or sample_id column): left out of this "
            "report, which covers the subset only")


HOOK_FAILED = "its rinec_subset hook did not cut its files to the patient subset: left out of this report"


def cut(parsed: dict[str, list[Any]], subset: Subset, host: Any, call: Any, config: dict[str, Any],
        messages: list[Message]) -> Outcome:
    """Each plugin's parsed files cut to ``subset``: by its ``rinec_subset`` hook, else by
    :func:`default_rows`. ``call(plugin, hook, **kwargs)`` calls one plugin's hook and
    records its messages (the runner's). A file left with nothing is counted in
    ``excluded_files``; a plugin whose data cannot be cut keeps no file at all.

    ``messages`` are the run's so far: those about a file that was cut (not handed back
    as it was) are taken out of it, as they were made over every row of the file and
    may quote a left-out patient's values (``row 4: 'Xyz' is not a specimen``); they
    are counted in ``dropped_messages``."""
    from .results import Message

    outcome = Outcome(subset=subset)
    for name in host.names:
        files = list(parsed.get(name, []))
        kept, why = _cut_files(name, files, subset, host, call, config) if files else ([], None)
        if why is not None:  # nothing of the plugin is shown, nor what its reading said
            outcome.left_out_plugins.append(name)
            outcome.messages.append(Message("warning", name, why))
            outcome.cut_files.update(f.file.relpath for f in files)
        else:
            names = {f.file.relpath for f in kept}
            outcome.excluded_files.update(f.file.relpath for f in files if f.file.relpath not in names)
            same = {id(f) for f in files}
            outcome.cut_files.update(f.file.relpath for f in kept if id(f) not in same)
        outcome.parsed[name] = kept
    said = [m for m in messages if m.file in outcome.cut_files]
    outcome.dropped_messages = len(said)
    outcome.dropped_errors = sum(1 for m in said if m.level == "error")
    messages[:] = [m for m in messages if m.file not in outcome.cut_files]
    return outcome


def _cut_files(name: str, files: list[Any], subset: Subset, host: Any, call: Any,
               config: dict[str, Any]) -> tuple[list[Any], str | None]:
    """One plugin's files cut to the subset, and ``None``; or no file and why the
    plugin is left out."""
    from .datasets import ParsedFile

    if host.implements(name, "rinec_subset"):
        got, ok = call(name, "rinec_subset", files=files, subset=subset, options=config.get(name, {}), config=config)
        if not ok or got is None:  # its failure is an error of its own
            return [], HOOK_FAILED
        return [f for f in got if f is not None and f.data is not None], None
    kept = []
    for f in files:
        rows, placed = default_rows(f.data, subset)
        if not placed:
            return [], LEFT_OUT
        if len(rows) == len(f.data):
            kept.append(f)  # nothing of a left-out patient in it
        elif len(rows):
            kept.append(ParsedFile(f.file, rows))
    return kept, None


def scrub_messages(messages: list[Message], subset: Subset, excluded_files: set[str]) -> tuple[list[Message], int]:
    """The messages that name no left-out patient, sample or file; a message that
    does is dropped (rewriting it would keep the values it quotes). Returns the
    messages kept and how many were dropped; an error among them stays an error."""
    kept = []
    dropped = 0
    for m in messages:
        if (m.file in excluded_files or subset.names_excluded(m.file) or subset.names_excluded(m.text)
                or subset.names_excluded(m.traceback)):
            dropped += 1
            continue
        kept.append(m)
    return kept, dropped


def scrub_command_line(command: str, subset: Subset) -> str:
    """The command line as the page shows it: the subset's ids as a count (``--patients
    <2 ids>``), as the ids left out must not appear; any other token naming one too."""
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        return "rinec-report (the command line is not shown: it could not be read)"
    out: list[str] = []
    flags = ("--patients", "--include-patients", "--exclude-patients")
    hide_next = False
    for word in words:
        flag, eq, value = word.partition("=")
        if hide_next:
            out.append(_count(word))
            hide_next = False
        elif word in flags:
            out.append(word)
            hide_next = True
        elif eq and flag in flags:
            out.append(f"{flag}={_count(value)}")
        elif subset.names_excluded(word):
            out.append("<left out>")
        else:
            out.append(word)
    return " ".join(shlex.quote(w) if not w.startswith("<") and not w.startswith("--") else w for w in out)


def _count(value: str) -> str:
    if value.startswith("@"):
        return "<a file of ids>"
    n = len([v for v in value.split(",") if v.strip()])
    return f"<{n} id{'s' if n != 1 else ''}>"


def shown_config(config: dict[str, Any], subset: Subset) -> dict[str, Any]:
    """The configuration as a subset report shows it: the subset's own keys as counts,
    and the ``patients:``/``samples:`` entries of left-out patients dropped."""
    out = dict(config)
    for key in SUBSET_KEYS:
        if out.get(key):
            out[key] = f"{len(out[key])} ids (not shown)"
    for key in ("patients", "samples"):
        if isinstance(out.get(key), dict):
            out[key] = {k: v for k, v in out[key].items()
                        if not (subset.names_excluded(k) or subset.names_excluded(v))}
    return out


def restrict_report(report: Any, outcome: Outcome) -> None:
    """The run's record as a subset report shows it: no input file that only left-out
    patients had (counted, not named), no message, skipped file, config entry or
    command-line word naming a left-out patient or sample."""
    from .results import Message

    subset = outcome.subset
    assert subset is not None
    private = bool((report.config.get("deidentify") or {}).get("enabled"))

    def hidden(relpath: str) -> bool:
        return relpath in outcome.excluded_files or subset.names_excluded(relpath)

    inputs = [r for r in report.inputs if not hidden(r.file.relpath)]
    excluded_inputs = len(report.inputs) - len(inputs)
    for record in inputs:
        if record.file.plugin in outcome.left_out_plugins and record.status == "parsed":
            record.status = "left out (cannot be cut to the subset)"
    report.inputs = inputs
    # An account row names its file by path, or by content hash in a de-identified report.
    kept_files = {r.file.relpath for r in inputs} | {f"input-{r.sha256[:12]}" for r in inputs if r.sha256}
    report.accounts = [_account_in_subset(a, subset) for a in report.accounts
                       if (a.get("file") in kept_files or a.get("status") == "read by a hook")
                       and not hidden(str(a.get("file", "")))]
    report.skipped = [(rel, why) for rel, why in report.skipped
                      if not hidden(rel) and not subset.names_excluded(why)]
    messages, dropped = scrub_messages(report.messages, subset, outcome.excluded_files)
    errors = sum(1 for m in report.messages if m.level == "error") - sum(1 for m in messages if m.level == "error")
    dropped += outcome.dropped_messages
    errors += outcome.dropped_errors
    if dropped:
        messages.append(Message(
            "error" if errors else "warning", "core",
            f"{dropped} message{'s' if dropped != 1 else ''} {'are' if dropped != 1 else 'is'} not shown: "
            "about patients, samples or files outside the patient subset, or made while reading a file that also "
            "holds such patients"
            + (f" ({errors} of them error{'s' if errors != 1 else ''})" if errors else "")
            + "; run without the subset to see them"))
    report.messages[:] = messages
    report.unmatched_samples = [s for s in report.unmatched_samples if not subset.names_excluded(s)]
    report.command_line = scrub_command_line(report.command_line, subset)
    report.config = shown_config(report.config, subset)
    report.subset = {
        "patients": subset.n,
        **({} if private else {"of": subset.total}),
        "inputs_excluded": excluded_inputs,
        "plugins_left_out": list(outcome.left_out_plugins),
        "text": subset.line(private),
    }


def _account_in_subset(record: dict[str, Any], subset: Subset) -> dict[str, Any]:
    """A file's account without the names of left-out patients or samples: a VCF's
    sample columns are columns of its account, and a reason may name one."""
    columns = {name: use for name, use in (record.get("columns") or {}).items() if not subset.names_excluded(name)}
    reasons: dict[str, int] = {}
    for reason, n in (record.get("dropped_by_reason") or {}).items():
        key = "about a patient outside the subset" if subset.names_excluded(reason) else reason
        reasons[key] = reasons.get(key, 0) + n
    return {**record, "columns": columns, "dropped_by_reason": reasons}
