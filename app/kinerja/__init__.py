"""The domain: organisation, SKP and what the process diagrams do to them.

Importing this package, or one of its modules, registers nothing beyond what that module needs:
``bindings.load()`` registers the roles, relations, forms, services and jobs of the whole domain.
"""
