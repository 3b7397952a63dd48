"""Synthetic raw business records for the demonstration (示范数据): every dataset of the catalogue.

`generate` is pure and deterministic for a seed. It draws whole columns at a time with numpy (no
loop per record) and returns one Arrow table per dataset with the catalogue's field names and types.
What the records show on purpose:

- volumes follow population (开发区 and 城区 busier per head), the season (fewer applications in the
  春节 and 国庆 months) and a slow growth; 开办企业 and 政务服务 are the most frequent, construction
  projects the rarest;
- every region has a service quality that sets its number of steps, working days, costs and share of
  online cases. The best region sits near seed 002's best values (开办企业 2 steps, 0.5 working day,
  0 元), the others improve slowly, and one county worsens steadily over the whole span;
- cases applied around 春节 (late January–February) and 国庆 (early October) take longer;
- steps start and end in office hours on working days (chinese-calendar, 调休 included); cases not
  finished by `as_of` have no completion time and their unfinished steps no end;
- about 0.1 % of the rows of each table break a rule (completed before applied, unknown region code,
  negative cost, missing required field) so that quarantine has something to show.

Every field of the returned tables is nullable, because the deliberately broken rows carry nulls in
required fields; the types are those of `lake.arrow_schema`.

The package follows the generator's own sections: profiles (what the records look like), days (working
days and office hours), cases (regions, their quality, the cases and steps drawn) and tables (the Arrow
tables and `generate`).
"""

from bizenv.datasets.demo_records.profiles import (
    ACTIVITY,
    BAD_ROW_SHARE,
    CLOSE,
    DAY_END,
    ENTITY_TYPES,
    GROWTH_PER_YEAR,
    LAST_START,
    MONTH_VOLUME,
    ONLINE,
    OPEN,
    PREFIX,
    RATES,
    SERVICE_ITEMS,
    STEPS,
    UNKNOWN_REGION,
    S,
    Step,
    Variant,
    conforming_schema,
    demo_months,
    demo_window,
)
from bizenv.datasets.demo_records.tables import (
    CASE_RULES,
    generate,
)

__all__ = [
    "ACTIVITY",
    "BAD_ROW_SHARE",
    "CASE_RULES",
    "CLOSE",
    "DAY_END",
    "ENTITY_TYPES",
    "GROWTH_PER_YEAR",
    "LAST_START",
    "MONTH_VOLUME",
    "ONLINE",
    "OPEN",
    "PREFIX",
    "RATES",
    "S",
    "SERVICE_ITEMS",
    "STEPS",
    "Step",
    "UNKNOWN_REGION",
    "Variant",
    "conforming_schema",
    "demo_months",
    "demo_window",
    "generate",
]
