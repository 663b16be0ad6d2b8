// edgectl uses cbor-x's pure-JS encoder and decoder only (runtime/wire/codec.ts); nothing loads this.
module.exports = {};
