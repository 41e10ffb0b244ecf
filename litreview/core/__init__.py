"""Plain dataclasses and pure logic. No Qt, no SQLite, no torch."""
