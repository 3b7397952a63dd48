"""bizenv: digital governance platform for the business environment (营商环境)."""

__version__ = "0.1.0"

# The platform's own Django apps, ground floor first (config/settings.py installs them in this order). Adding
# a domain app means adding it here; everything else it offers plugs in from its AppConfig (docs/architecture.md).
PLATFORM_APPS = (
    "bizenv.core",
    "bizenv.organisations",
    "bizenv.workdays",
    "bizenv.indicators",
    "bizenv.datasets",
    "bizenv.observations",
    "bizenv.evaluation",
    "bizenv.analysis",
    "bizenv.monitoring",
    "bizenv.workflows",
    "bizenv.dashboards",
    "bizenv.site",
)
