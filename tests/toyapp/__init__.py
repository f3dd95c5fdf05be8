"""A toy app that lives only in the test suite: proof that an app joins otcsms from its own folder.

It has what a real app has (a site-owned model, an API resource, pages, a CLI command, a navigation entry,
a demo step, a checks module, a job and its access-test objects) and is declared in its registry.py alone;
nothing outside this folder names it except INSTALLED_APPS, where pytest_plugin.py adds it.

It is installed for the whole test session rather than for one test: that costs one table, and it means the
generic tests (every API route refused to an outsider, hostile values to every operation and every page)
run over it exactly as over the real apps, which is what it exists to prove.
"""
