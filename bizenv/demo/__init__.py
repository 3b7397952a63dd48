"""The demonstration data of 示范市 (`bizenv demo`): one module per part, put together in build.py."""

from bizenv.demo.build import build_demo, demo_build
from bizenv.demo.regions import DEMO_PASSWORD

__all__ = ["DEMO_PASSWORD", "build_demo", "demo_build"]
