from llmsight.cli import entry

entry()
