"""`readnext` with the deterministic HashingEmbedder in place of the transformer, for tests that kill or break
real processes where the model is not the point (loading it takes seconds and a core on a shared machine).
READNEXT_FAKE_EMBED_SECONDS makes each embedding call that slow, to widen the window a kill should land in."""
import os
import sys
import time

from readnext import engine
from readnext.cli import main
from readnext.vectors.embed import HashingEmbedder


class SlowHashingEmbedder(HashingEmbedder):
    def embed(self, texts):
        time.sleep(float(os.environ.get("READNEXT_FAKE_EMBED_SECONDS", "0")))
        return super().embed(texts)


engine.load_embedder = lambda config: SlowHashingEmbedder(64, name=config.model)

if __name__ == "__main__":
    sys.exit(main())
