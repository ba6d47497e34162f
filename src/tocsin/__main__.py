from tocsin.cli import app

app()
