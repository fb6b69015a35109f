"""`read_manuscript`, where it has always been: reading book folders is the readers
package's now (publish/readers/)."""

from .readers import read_book, read_manuscript

__all__ = ["read_book", "read_manuscript"]
