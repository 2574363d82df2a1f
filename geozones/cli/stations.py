"""``geozones stations``: the station registry (``import`` a table, ``list`` a folder)."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import click

from .options import _LANG_KEY, Command, Group, OutputPath, group_lang_opt, h, lang_opt

#: Encodings tried, in order, for a station table (Excel writes UTF-8 with a BOM or GBK).
TABLE_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "gbk")


def _decode(path: Path) -> str:
    from ..core.limits import limits
    from ..errors import InputError, first_line

    try:
        with open(path, "rb") as fh:   # a size bomb is refused before it is read
            limits().check_file(os.fstat(fh.fileno()).st_size, str(path), "file_table")
            data = fh.read()
    except OSError as exc:
        raise InputError("registry_read", path=str(path), why=first_line(exc)) from None
    first_error = None
    for enc in TABLE_ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    assert first_error is not None
    line = data[: first_error.start].count(b"\n") + 1
    raise InputError("registry_decode", path=str(path), row=line, encodings=", ".join(TABLE_ENCODINGS))


def read_table(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of a station table as ``(line number, {column: text})``, headers normalised
    (:func:`geozones.registry.normalize_header`); CSV with comma, semicolon or tab."""
    from ..errors import InputError
    from ..registry import REQUIRED_COLUMNS, normalize_header

    text = _decode(path)
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise InputError("registry_no_rows", path=str(path))
    columns = [normalize_header(h) for h in header]
    for head, c in zip(header, columns):
        if c is None and head.strip():
            raise InputError("registry_unknown_column", path=str(path), column=head.strip(),
                             known=", ".join(_known_columns()))
    seen = [c for c in columns if c]
    dup = sorted({c for c in seen if seen.count(c) > 1})
    if dup:
        raise InputError("registry_duplicate_column", path=str(path), column=dup[0])
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError("registry_missing_column", path=str(path), column=missing[0],
                         required=", ".join(REQUIRED_COLUMNS))
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns):]):
            raise InputError("registry_row", path=str(path), row=reader.line_num, column="-",
                             problem=_t("registry_extra_cells", n=len(cells), m=len(columns)))
        rows.append((reader.line_num, {c: v for c, v in zip(columns, cells) if c}))
    if not rows:
        raise InputError("registry_no_rows", path=str(path))
    return rows


def _known_columns() -> list[str]:
    from ..registry import COLUMNS

    return list(COLUMNS)


def _t(key: str, **params: object) -> str:
    from ..text import t

    ctx = click.get_current_context(silent=True)
    return t(key, ctx.meta.get(_LANG_KEY, "en") if ctx else "en", **params)


def _existing_ids(folder: Path) -> dict[str, Path]:
    """``[station].id`` of every station file already in ``folder`` (unreadable ones skipped:
    they are not ours to judge here)."""
    from ..errors import InputError
    from ..station import read_toml

    out: dict[str, Path] = {}
    if not folder.is_dir():
        return out
    for f in sorted(folder.glob("*.toml")):
        try:  # read as station files are (a file past the size limit is not read)
            sid = read_toml(f).get("station", {}).get("id")
        except (OSError, InputError, AttributeError):
            continue
        if isinstance(sid, str):
            out[sid] = f
    return out


@click.group("stations", cls=Group, help=h("cmd_stations"))
@group_lang_opt
def stations() -> None:
    """``geozones stations``; its help is the catalogue's ``help_cmd_stations``."""


@stations.command("import", cls=Command, help=h("cmd_stations_import"))
@click.argument("table", type=click.Path(dir_okay=False, exists=True))
@click.option("-o", "--output", "folder", required=True, type=OutputPath(folder=True),
              help=h("stations_import_output"))
@click.option("--overwrite", is_flag=True, help=h("stations_import_overwrite"))
@click.option("--with-shipped", is_flag=True,
              help=h("stations_import_with_shipped"))
@click.option("-q", "--quiet", is_flag=True, help=h("quiet"))
@lang_opt
def import_command(table, folder, overwrite, with_shipped, quiet, lang):
    """``geozones stations import``; its help is the catalogue's ``help_cmd_stations_import``."""
    from ..errors import InputError, OutputError, StationFileError
    from ..io import WINDOWS_DEVICE_NAMES, atomic_output
    from ..registry import CLASS_NAMES, RowError, parse_row, station_toml
    from ..station import Station, loads_station

    path = Path(table)
    out = Path(folder)
    rows = read_table(path)
    made: list[tuple[Path, str, Station]] = []
    first_line_of: dict[str, int] = {}
    first_id_of: dict[str, str] = {}   # casefolded id -> the id as first given
    existing = _existing_ids(out)
    bad: list[InputError] = []   # every bad row is reported, one line each, before stopping
    for line, cells in rows:
        def row_error(column: str, key: str, _line: object = line, **params: object) -> InputError:
            return InputError("registry_row", path=str(path), row=_line, column=column,
                              problem=_t(key, **params))

        try:
            row = parse_row(cells, default_source=f"{path.name}, row {line}")
        except RowError as exc:
            bad.append(row_error(exc.column, exc.key, **exc.params))
            continue
        if row.id in first_line_of:
            bad.append(row_error("id", "registry_duplicate_id", id=row.id, first=first_line_of[row.id]))
            continue
        if row.id.upper() in WINDOWS_DEVICE_NAMES:   # the id names the file: CON.toml is a device on Windows
            bad.append(row_error("id", "registry_reserved_id", value=row.id, names="CON, PRN, AUX, NUL, COM0-9, LPT0-9"))
            continue
        same = first_id_of.setdefault(row.id.casefold(), row.id)
        if same != row.id:   # ABC.toml and abc.toml: one file where letter case is ignored
            bad.append(row_error("id", "registry_case_duplicate", id=row.id, other=same, first=first_line_of[same]))
            continue
        first_line_of[row.id] = line
        dest = out / f"{row.id}.toml"
        other = existing.get(row.id)
        if other is not None and other.resolve() != dest.resolve():
            bad.append(row_error("id", "registry_id_taken", id=row.id, other=str(other)))
            continue
        text = station_toml(row, table=path.name)
        try:  # the file must load as written: check before anything is written
            station = loads_station(text, str(dest))
        except StationFileError as exc:  # pragma: no cover - a bug here
            bad.append(InputError("registry_row", path=str(path), row=line, column="-", problem=str(exc)))
            continue
        made.append((dest, text, station))
    if with_shipped:
        from ..station import default_station_path

        for f in sorted(default_station_path().parent.glob("*.toml")):
            text = f.read_text(encoding="utf-8")
            station = loads_station(text, str(f))
            dest = out / f"{station.id}.toml"
            other = existing.get(station.id)
            if station.id.casefold() in first_id_of:   # a row of the table has its id
                same = first_id_of[station.id.casefold()]
                bad.append(InputError("registry_row", path=str(path), row=first_line_of[same], column="id",
                                      problem=_t("registry_shipped_id", id=same)))
            elif other is not None and other.resolve() != dest.resolve():
                bad.append(InputError("registry_row", path=str(path), row="-", column="id",
                                      problem=_t("registry_id_taken", id=station.id, other=str(other))))
            else:
                made.append((dest, text, station))
    if bad:
        for err in bad[:-1]:
            click.echo(f"{_t('word_error')}: {err.localized(lang)}", err=True)
        raise bad[-1]
    for dest, _text, _station in made:
        if dest.exists() and not overwrite:
            raise OutputError("output_exists", path=str(dest))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from ..errors import first_line

        raise OutputError("output_write", path=str(out), why=first_line(exc)) from None
    for dest, text, _station in made:
        with atomic_output(dest, overwrite, [path]) as tmp:
            tmp.write_text(text, encoding="utf-8")
    if not quiet:
        for dest, _text, st in made:
            unconfirmed = sum(not r.confirmed for r in st.rules)
            cls = CLASS_NAMES[st.station_class][lang]
            click.echo(_t("registry_wrote", path=str(dest), name=st.name.get(lang), cls=cls,
                          n=len(st.rules), unconfirmed=unconfirmed))
        click.echo(_t("registry_done", n=len(made), folder=str(out)))


def station_summary(station, lang: str = "en") -> dict:
    """What ``stations list`` shows of one station: reach of its zones and band rules [m],
    the sun-sector radius [m] and how many rule rows are unconfirmed."""
    from ..core.network import zone_reach_m
    from ..registry import CLASS_NAMES

    reach = zone_reach_m(station)
    cls = CLASS_NAMES.get(station.station_class, {}).get(lang, station.station_class)
    return {"id": station.id, "name": station.name.get(lang), "class": cls,
            "lat": station.latitude_deg, "lon": station.longitude_deg, "reach_m": reach,
            "sun_radius_m": station.sun_sector_radius_m,
            "unconfirmed": sum(not r.confirmed for r in station.rules),
            "file": station.source_path}


@stations.command("list", cls=Command, help=h("cmd_stations_list"))
@click.argument("folder", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help=h("stations_list_json"))
@lang_opt
def list_command(folder, as_json, lang):
    """``geozones stations list``; its help is the catalogue's ``help_cmd_stations_list``."""
    from ..station import load_stations
    from ..text import t

    rows = [station_summary(s, lang) for s in load_stations(folder)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    heads = [t(k, lang) for k in ("registry_col_id", "registry_col_name", "registry_col_class",
                                  "registry_col_lat", "registry_col_lon", "registry_col_reach",
                                  "registry_col_unconfirmed", "registry_col_file")]
    table = [[r["id"], r["name"], r["class"], f"{r['lat']:.4f}", f"{r['lon']:.4f}", f"{r['reach_m']:.0f}",
              str(r["unconfirmed"]), r["file"]] for r in rows]

    def width(s: str) -> int:  # Chinese characters take two columns in a terminal
        return sum(2 if ord(c) >= 0x2E80 else 1 for c in s)

    cols = [max(width(x) for x in col) for col in zip(heads, *table)]
    for line in [heads, *table]:
        click.echo("  ".join(x + " " * (w - width(x)) for x, w in zip(line, cols)).rstrip())
    click.echo(t("registry_list_note", lang, n=len(rows),
                 sun=", ".join(sorted({f"{r['sun_radius_m']:.0f}" for r in rows}))))


command = stations
