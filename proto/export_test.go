package proto

// DictMax exposes the encoder's name-dictionary capacity to tests.
const DictMax = dictMax
