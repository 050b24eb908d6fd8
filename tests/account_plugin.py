"""A third-party-style plugin for the account tests: reads ``*.acct`` tables (``sample``,
``value``, then any columns) and states its account as the hook contract asks.

``rinec_parse`` states the rows read and used (a value that is not a number is dropped)
and each column: ``value`` a field, ``note`` an extra column, ``value_2`` a look-alike
of ``value`` that is not used. ``rinec_datasets`` drops the negative values, naming each
file. Child processes import it by name (tests/ is on their path). :class:`Quiet` is a plugin
that states nothing."""

from __future__ import annotations

from rinec_report import Pattern, Section, Table, account, hookimpl


@hookimpl
def rinec_patterns():
    return [Pattern("table", glob="*.acct")]


@hookimpl
def rinec_parse(file):
    import pandas as pd

    frame = pd.read_csv(file.path, sep="\t", dtype=str)
    values = pd.to_numeric(frame["value"], errors="coerce")
    kept = frame.assign(value=values)[values.notna()]
    account.rows(read=len(frame), used=len(kept))
    account.dropped("value is not a number", len(frame) - len(kept))
    for name in frame.columns:
        if name in ("sample", "value"):
            account.column(name, "field", as_field=name)
        elif name == "value_2":
            account.look_alike(name, "value", "only the first value column is read")
        else:
            account.column(name, "extra")
    return {"relpath": file.relpath, "frame": kept}


@hookimpl
def rinec_datasets(files):
    import pandas as pd

    if not files:
        return None
    frames = []
    for f in files:
        frame = f.data["frame"]
        negative = frame["value"] < 0
        account.dropped("negative value", int(negative.sum()), file=f.file.relpath)
        account.rows(used=int((~negative).sum()), file=f.file.relpath)
        frames.append(frame[~negative])
    return {"values": pd.concat(frames, ignore_index=True)}


@hookimpl
def rinec_sections(data):
    return [Section("values", "Values", blocks=[Table("values", data["values"], patient_column=None)])]


class Quiet:
    """Reads ``*.quiet`` files and states nothing of them (a plugin written before the account)."""

    @hookimpl
    def rinec_patterns(self):
        return [Pattern("quiet", glob="*.quiet")]

    @hookimpl
    def rinec_parse(self, file):
        with open(file.path) as fh:
            return fh.read()

    @hookimpl
    def rinec_datasets(self, files):
        return {"text": [f.data for f in files]} if files else None

    @hookimpl
    def rinec_sections(self, data):
        return [Section("quiet", "Quiet", blocks=[])]


class InProcess:
    """This plugin as an object rather than a module: parsed in the calling process."""

    rinec_patterns = staticmethod(rinec_patterns)
    rinec_parse = staticmethod(rinec_parse)
    rinec_datasets = staticmethod(rinec_datasets)
    rinec_sections = staticmethod(rinec_sections)
