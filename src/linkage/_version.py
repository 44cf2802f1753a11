"""The version of `linkage`, in a module of its own so that modules inside the package can read it
without importing the package's top level."""

__version__ = "0.1.0"
