"""Every hook a rinec-report plugin can implement.

A plugin is a module (or any object) with functions marked ``@rinec_report.hookimpl``
and named like the hooks below; it is found through the ``rinec_report``
entry-point group. An implementation may accept any subset of a hook's
arguments, by name: pluggy passes only those it names, so hooks can gain
arguments without breaking plugins. A function marked ``@hookimpl`` whose name is
not a hook below is an error when the plugin loads.

The core calls each hook on one plugin at a time, so that one plugin's exception
never stops another's; no hook is first-result, each plugin's answer is used.
Data flows one way:

    rinec_options / rinec_patterns   (set-up)
    -> scan -> rinec_parse (one call per file, on the core's executor)
    -> rinec_subset (only when a patient subset is asked for)
    -> rinec_datasets (one call per plugin; may read other plugins' datasets)
    -> rinec_sections, rinec_summary_columns
    -> render and export.

``rinec_patient_samples`` is asked by the patient resolver when a plugin first
asks it a question.

Every reader states what it did with each file through :mod:`rinec_report.account`
(``from rinec_report import account``): the rows it read and used, each row it dropped
with its reason, and each column's use. The core gathers the statements from every
process and hook into the run information, one row per input file; a file whose reader
states nothing is shown as "not stated". Nothing is then lost silently.

Keep a plugin module cheap to import (import pandas and friends inside the hook
functions): the CLI loads every plugin to build its ``--help``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .datasets import Datasets, ParsedFile
    from .model import FoundFile, Pattern, RunInfo, Section, SummaryColumn
    from .options import Option
    from .patients import Patients
    from .subset import Subset

hookspec = pluggy.HookspecMarker("rinec_report")


@hookspec
def rinec_options() -> list[Option]:
    """Declare the plugin's options: name, type, default, allowed values, help, flag, scope.

    Returns a list of :class:`~rinec_report.Option`. The declaration is the only
    place an option's default lives: the core fills defaults, checks the values of
    the config file (``<plugin>:`` in ``rinec_report.yaml``) and of the command line
    against it before any work (a bad value is a usage error, exit status 2, naming
    the key and the file it came from), adds a command-line flag for options with
    ``cli=``, and writes the docs' option tables from it. Hooks receive the checked
    values as ``options``. Called once per plugin, when the CLI is built: import
    nothing heavy. Not first-result: every plugin's list is used.

    ``scope`` says who may set the option. ``"run"``: any config, the run
    directory's own ``rinec_report.yaml`` included (what the report shows and how
    the plugin reads its data). ``"user"``: only the user's config, a ``-c`` file
    outside the run directory, the command line and ``rinec_report.run(config=...)``;
    give it to anything that reaches the network (a URL, a switch that goes
    online), a path outside the run directory, a cache, the output, export safety
    or a limit that protects the run. In the run directory's file (or a ``-c`` file
    inside it) a user option is ignored, with a warning naming the key and the
    file: the core enforces this, the plugin does nothing. Without ``scope=``, an
    option typed ``path`` or ``url``, or whose name or default looks like a network
    address (a name with a part ``url``, ``uri``, ``api``, ``endpoint``,
    ``server``, ``host`` or ``address`` between underscores, such as
    ``lookup_url``; a default with ``://``), is ``"user"``; any other is ``"run"``.
    Type ``url`` accepts ``http://`` and ``https://`` addresses only (``schemes=``
    names others).

    Example::

        @hookimpl
        def rinec_options():
            return [Option("min_coverage", "int", 200, "Flag samples below this depth.",
                           cli="--min-coverage", min=0, scope="run")]
    """


@hookspec
def rinec_patterns() -> list[Pattern]:
    """Declare which files the plugin reads, as data.

    Returns a list of :class:`~rinec_report.Pattern` (filename globs and/or a
    regular expression over the first lines, in Python's ``re`` syntax; one that runs
    over a second on a file is stopped and reported, as it backtracks without bound;
    ``exclude`` globs name files that never match, such as a tool's own files beside
    its data). The user's config can replace any of them under
    ``patterns: {<plugin>/<key>: {glob: [...], exclude: [...], contents: ...}}``. Called once per
    plugin before the scan. Not first-result: every plugin's list is used.

    Example::

        @hookimpl
        def rinec_patterns():
            return [Pattern("table", glob="coverage.tsv", contents=r"^sample\\tpatient_id")]
    """


@hookspec
def rinec_parse(file: FoundFile, options: dict[str, Any]) -> Any:
    """Parse one found file into a dataset.

    Called only on the plugin whose pattern matched ``file`` (``file.pattern`` says
    which), on the core's executor, possibly in another process or machine: it must
    be a pure function of its arguments, and both arguments and the return value
    must be picklable (a DataFrame, a dict, a dataclass). ``options`` are the
    plugin's checked options. Raise :class:`~rinec_report.InputError` with a
    one-line message for bad input (the core adds the file name); warn with
    ``warnings.warn(msg, InputWarning)``. Returns the dataset for this one file, or
    ``None`` to ignore the file. Not first-result (one plugin is asked).

    State what you did through ``rinec_report.account``: ``account.rows(read=, used=)``
    (``unit=`` when a row is a record, an image, a gene), ``account.dropped(reason,
    count)`` for each reason rows were not used (a short reason, no values), and
    ``account.column(name, role, as_field=, reason=)`` for each column: ``field`` (as
    which field), ``extra`` (kept as it is) or ``ignored`` (with why). A column that
    looks like a field you know but do not use is ``account.look_alike(name, like,
    why)``: the core warns of it once. Here the statements need no file: they are about
    the file being parsed, in whichever process parses it.

    Example::

        @hookimpl
        def rinec_parse(file):
            import pandas as pd
            from rinec_report import account
            from rinec_report.safeio import open_content  # checked and bounded

            with open_content(file.path) as fh:
                frame = pd.read_csv(fh, sep="\\t")
            kept = frame.dropna(subset=["sample"])
            account.rows(read=len(frame), used=len(kept))
            account.dropped("no sample", len(frame) - len(kept))
            return kept
    """


@hookspec
def rinec_subset(
    files: list[ParsedFile], subset: Subset, options: dict[str, Any], config: dict[str, Any]
) -> list[ParsedFile]:
    """Cut the plugin's parsed files to a patient subset (``--patients``, ``--exclude-patients``).

    Called once per plugin with parsed files, after parsing and before any
    ``rinec_datasets``, only when the user asked for a subset. Returns the files with
    only the subset's patients in their data: every row, sample (a VCF's sample
    column), value, name and picture of a patient outside the subset removed. Leave
    out a file that holds nothing of the subset: the core then counts it as excluded
    by the subset and names it nowhere (inputs, messages, manifest). Hand a file
    that holds nothing of the patients left out back as it was (the same object): the
    messages its parse gave are kept; those of a file that was cut are not shown (they
    were made over every row, and may quote a left-out patient's values). Everything the
    plugin computes afterwards (``rinec_datasets``: counts, frequencies, tests) then
    covers the subset only, and the ``patients`` resolver it gets knows only the
    subset's patients (``patients.subset`` says how many of how many).

    ``subset.keeps(patient_id)`` and ``subset.keeps_sample(sample_id)`` answer for an
    id as a file wrote it (the config's ``patients:`` and ``samples:`` applied);
    ``subset.rows(frame, patient="patient_id", sample="sample")`` is a table's rows of
    the subset, with unused categories dropped; ``subset.names_excluded(text)`` says
    whether a name (a file's path, a caption) names a patient or sample left out.

    Without this hook, the core cuts a file whose parsed data is a DataFrame with a
    ``patient_id``, ``sample`` or ``sample_id`` column by those columns. A plugin with
    other parsed data and no hook is left out of a subset report, with a warning: its
    data cannot be shown without the patients left out. Return ``files`` unchanged
    when the data hold nothing about patients (a gene-set library). Not first-result.

    Example::

        @hookimpl
        def rinec_subset(files, subset):
            out = []
            for f in files:
                samples = [s for s in f.data["samples"] if subset.keeps_sample(s)]
                if len(samples) == len(f.data["samples"]):
                    out.append(f)  # nothing to cut
                elif samples:
                    depths = subset.rows(f.data["depths"], sample="sample")
                    out.append(ParsedFile(f.file, {**f.data, "samples": samples, "depths": depths}))
            return out
    """


@hookspec
def rinec_datasets(
    files: list[ParsedFile],
    options: dict[str, Any],
    datasets: Datasets,
    patients: Patients,
    config: dict[str, Any],
    run: RunInfo,
) -> dict[str, Any] | None:
    """Combine the plugin's parsed files into the datasets it publishes.

    ``files`` holds the plugin's parsed files in scan order (empty when it found
    none: a plugin may build entirely from other plugins' data, as survival does
    from cohort). ``datasets.of("cohort")`` returns another plugin's published
    datasets, building them first if needed, or ``None`` when that plugin is not
    loaded, found nothing or failed. ``patients`` maps samples to patients.
    ``config`` is the whole effective configuration; ``run`` describes the run.
    Returns a dict of named datasets (DataFrames preferred); names starting with
    ``_`` are private (other plugins do not see them, the plugin gets them back as
    ``data``). ``None`` means the plugin has nothing to show: its other hooks are
    then not called. Called at most once per plugin. Not first-result.

    State what you did through ``rinec_report.account``, as in ``rinec_parse``, naming
    the file each statement is about (``file=f.file.relpath``): rows dropped here (a
    duplicate of another file's row, a row no patient owns) are added to that file's
    account from its parse, and ``account.rows(used=, file=)`` restates how many it
    gave in the end. The same holds in ``rinec_sections`` and ``rinec_summary_columns``.

    Example::

        @hookimpl
        def rinec_datasets(files, patients):
            import pandas as pd
            from rinec_report import account
            if not files:
                return None
            for f in files:
                unknown = f.data["sample"].map(patients.patient_of).isna()
                account.dropped("a sample of no patient", int(unknown.sum()), file=f.file.relpath)
                account.rows(used=int((~unknown).sum()), file=f.file.relpath)
            frame = pd.concat([f.data for f in files])
            frame["patient_id"] = frame["sample"].map(patients.patient_of)
            return {"coverage": frame[frame["patient_id"].notna()]}
    """


@hookspec
def rinec_sections(
    data: dict[str, Any],
    datasets: Datasets,
    patients: Patients,
    options: dict[str, Any],
    config: dict[str, Any],
    run: RunInfo,
) -> list[Section]:
    """Contribute the plugin's report sections.

    Called once per plugin whose ``rinec_datasets`` returned data, after every file
    was parsed. ``data`` is what the plugin's own ``rinec_datasets`` returned
    (private names included); other plugins' datasets come from ``datasets``.
    Returns a list of :class:`~rinec_report.Section` in the order the plugin wants
    them (the page's order across plugins is the config's ``section_order``); every
    :class:`~rinec_report.Table` in them is also exported to the data folder. An
    exception here turns into an error card in place of the plugin's sections.
    Not first-result.

    Example::

        @hookimpl
        def rinec_sections(data):
            return [Section("depth", "Coverage", blocks=[Table("samples", data["coverage"])])]
    """


@hookspec
def rinec_summary_columns(
    data: dict[str, Any],
    datasets: Datasets,
    patients: Patients,
    options: dict[str, Any],
    config: dict[str, Any],
) -> list[SummaryColumn]:
    """Contribute columns to the per-patient summary table.

    Returns a list of :class:`~rinec_report.SummaryColumn`, each mapping patient
    ids to values. The core joins every plugin's columns into one table with a row
    per patient, plugins in page order. Called once per plugin with data.
    Not first-result.

    Example::

        @hookimpl
        def rinec_summary_columns(data):
            df = data["coverage"]
            return [SummaryColumn("coverage", "Mean coverage", df.groupby("patient_id").mean_coverage.mean().to_dict())]
    """


@hookspec
def rinec_identifiers(data: dict[str, Any], options: dict[str, Any]) -> dict[str, str]:
    """Declare what a de-identified report may share of the plugin's tables and charts.

    A de-identified report (``--deidentify``) denies by default: a column of a Table, or a
    field of a chart's data rows (Vega-Lite ``values`` and ``datasets``), is shared only
    when this hook declares it, or the user keeps it by name (``deidentify:
    keep_columns``); every other one is dropped, and named (never its values) in the
    report's "Removed for sharing" table. A chart that draws a dropped field is replaced
    by a note (a dropped field only in its tooltip just leaves the tooltip).

    Returns ``{field name or glob: kind}`` (names in any case). Kinds shared as they are
    (their strings still scrubbed of ids and dates), ``rinec_report.deidentify.SAFE_KINDS``:

    - ``measure``: a number measured or computed (a dose, a score, a p-value, a chart's x);
    - ``category``: a value from a vocabulary the plugin checked (sex, stage, marker, IHC
      category, variant class) or wrote itself (a verdict, a status, a label);
    - ``count``: a count the plugin derived (patients, events, samples mutated);
    - ``interval``: a time relative to the patient (months of follow-up, years of latency).

    Kinds whose values are replaced, ``rinec_report.deidentify.TRANSFORMED_KINDS``:
    ``patient`` and ``sample`` (pseudonyms), ``date`` (days from the patient's first
    event, or the year), ``age`` (above the cap shown as ``90+``), ``file`` (a content
    hash). And ``text``: free text typed by people, dropped unless the user keeps it.

    The core already knows ``patient_id``, ``sample``, ``sample_id``, ``*_date``, ``date``,
    ``age``, ``notes``, ``comment(s)``, ``remarks``, ``file`` and ``path``; a declaration
    overrides them. A field whose name says it is an age (``age_*``, ``*_age``) is capped
    whatever is declared. A patient-summary column (``SummaryColumn``) follows its
    ``source`` field (default: its name) unless it gives its own ``kind``. Called once per
    plugin with data, only when a de-identified report is asked for. Not first-result.

    Example::

        @hookimpl
        def rinec_identifiers(data):
            return {"s": "sample", "seen_on": "date", "dose_gy": "measure", "verdict": "category",
                    "pathologist_remark": "text"}
    """


@hookspec
def rinec_patient_samples(
    data: dict[str, Any], options: dict[str, Any], config: dict[str, Any]
) -> dict[str, list[str]]:
    """Declare patients and the sequencing samples that belong to them.

    Returns ``{patient_id: [sample_id, ...]}`` (an empty list for a patient without
    samples). The core's patient resolver asks every plugin that implements this
    hook, once, before it answers its first question; the answers make the run's
    list of patients. Implement it only in an identity source (a clinical table, a
    sample sheet) whose ``rinec_datasets`` does not itself ask the resolver about
    samples. Called once per plugin with data. Not first-result.

    Example::

        @hookimpl
        def rinec_patient_samples(data):
            sheet = data["samples"]
            return sheet.groupby("patient_id")["sample_id"].apply(list).to_dict()
    """
