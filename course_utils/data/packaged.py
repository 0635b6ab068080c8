"""Real data that ships inside pip packages the course depends on.

Nothing here touches the network: vega_datasets is read through its
``local_data`` (never its URL-backed ``data``), statsmodels, arch and names
read files installed with them.
"""

from __future__ import annotations

from pathlib import Path

from ..validation import check_choice


def sunspots():
    """Yearly sunspot activity as a pandas Series indexed by year (int)."""
    import statsmodels.api as sm

    df = sm.datasets.sunspots.load_pandas().data
    series = df.set_index(df["YEAR"].astype(int))["SUNACTIVITY"].astype("float64")
    series.index.name = "year"
    series.name = "sunspots"
    return series


def co2(fill_missing=True):
    """Weekly CO2 concentration (ppm) as a pandas Series with a DatetimeIndex.

    Args:
        fill_missing: interpolate the 59 missing weeks linearly in time.
    """
    import statsmodels.api as sm

    series = sm.datasets.co2.load_pandas().data["co2"].astype("float64")
    if fill_missing:
        series = series.interpolate(method="time")
    series.index.name = "date"
    return series


def seattle_temps():
    """Hourly Seattle temperatures (deg F) as a pandas Series with a DatetimeIndex."""
    from vega_datasets import local_data

    df = local_data.seattle_temps()
    series = df.set_index("date")["temp"].astype("float64")
    series.name = "temp_f"
    return series


def seattle_weather():
    """Daily Seattle weather as a pandas DataFrame indexed by date."""
    from vega_datasets import local_data

    return local_data.seattle_weather().set_index("date")


def monthly_stocks():
    """Monthly prices as a DataFrame: one column per ticker, indexed by date."""
    from vega_datasets import local_data

    df = local_data.stocks()
    return df.pivot(index="date", columns="symbol", values="price")


def sp500_daily():
    """Daily S&P 500 prices as a DataFrame indexed by date (Open, High, Low,
    Close, Adj Close, Volume)."""
    import arch.data.sp500

    return arch.data.sp500.load()


def first_names(sex="all"):
    """First names from the 1990 US census, most frequent first.

    Args:
        sex: ``"female"``, ``"male"`` or ``"all"``.

    Returns:
        A pandas DataFrame with columns ``name`` (lower case), ``sex`` and
        ``frequency`` (percent of the population with that name).
    """
    import names
    import pandas as pd

    check_choice(sex, "sex", ("female", "male", "all"))
    root = Path(names.__file__).parent
    frames = []
    for s in ("female", "male"):
        if sex in (s, "all"):
            df = pd.read_csv(root / f"dist.{s}.first", sep=r"\s+", header=None,
                             names=["name", "frequency", "cumulative", "rank"],
                             keep_default_na=False)
            df["sex"] = s
            frames.append(df[["name", "sex", "frequency"]])
    out = pd.concat(frames, ignore_index=True)
    out["name"] = out["name"].str.lower()
    out = out.sort_values("frequency", ascending=False, kind="stable").reset_index(drop=True)
    return out
