"""Helpers shared by the tests: plain functions, classes and constants, imported by name.

Fixtures stay in the conftest.py files; no test imports a conftest module. One module per
subject: corpus (the image corpus and hostile files), services (is a server up), photos
(rows a test needs), workers (brokers and `manage.py` subprocesses), s3 (moto's S3 and SQS),
faults (the fault-injection tests' workers, proxy and database), dlq (dead letters and
`manage.py dlq`), deploy, urls, browser.
"""
