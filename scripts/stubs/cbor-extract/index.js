// edgectl uses cbor-x's pure-JS encoder and decoder only (runtime/wire/codec.ts).
// Should anything load cbor-x's main entry, it asks for this add-on inside a
// try: failing here, as a missing add-on would, keeps it on its pure-JS path.
throw new Error('cbor-extract is not installed: edgectl uses the pure-JS CBOR path');
