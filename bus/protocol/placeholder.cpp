// placeholder so the library has a source until the protocol files land; remove when adding real sources
