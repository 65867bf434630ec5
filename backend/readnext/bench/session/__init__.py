"""`readnext bench session`: scripted reading sessions through the real extension in real browsers, every step
recorded and its reasons, scores and relevance checked. The subcommand: command.add_arguments and command.run."""
