"""bizenv: digital governance platform for the business environment (营商环境)."""

__version__ = "0.1.0"
