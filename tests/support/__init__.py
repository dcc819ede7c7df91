"""What tests share: builders of rows and actors, files, servers and helpers. No test module imports another."""
