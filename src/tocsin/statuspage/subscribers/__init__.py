"""Status page subscribers: who hears about public updates, by mail or webhook."""
