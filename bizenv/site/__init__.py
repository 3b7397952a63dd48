"""The web shell on top of every app: navigation, login, the section pages, audit log and job pages."""
