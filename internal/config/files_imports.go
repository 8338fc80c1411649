package config

// FileImport maps one kind of export file in the imports folder to a
// stream, under "sources.files.imports:" in takt.yaml.
type FileImport struct{}

func (v *validator) checkFileImports(imports []FileImport) {}
