"""`readnext bench session`: scripted reading sessions through the real extension in real browsers."""
