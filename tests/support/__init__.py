"""Test support code shared by unit and end-to-end tests: emulators of outside services."""
