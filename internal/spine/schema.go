package spine

// Kind is the type of a spine column: how its text is parsed and checked,
// and the DuckDB type it is stored as.
type Kind uint8

// The column kinds of data contract v1 (DESIGN.md §4).
const (
	KindString  Kind = iota // any text; VARCHAR
	KindPerson              // a person_id; VARCHAR in people and identities, pid INTEGER elsewhere
	KindDate                // YYYY-MM-DD; DATE
	KindMonth               // YYYY-MM; DATE holding the month's first day
	KindBenefit             // a benefit code known to timeline.ClassOf; VARCHAR
	KindAmount              // pounds, a finite number >= 0; DOUBLE
	KindBool                // true or false; BOOLEAN
	KindSex                 // F or M; VARCHAR
)

// sqlType is the DuckDB type a kind is stored as.
func (k Kind) sqlType() string {
	switch k {
	case KindDate, KindMonth:
		return "DATE"
	case KindAmount:
		return "DOUBLE"
	case KindBool:
		return "BOOLEAN"
	}
	return "VARCHAR"
}

// Column describes one column of a spine file.
type Column struct {
	Name string
	Kind Kind
	// Required columns must be in the header; others may be absent (and are
	// then NULL in the database).
	Required bool
	// Nullable columns may hold an empty value (NULL): an empty end_date is
	// an ongoing spell.
	Nullable bool
	// Identity columns hold direct identifiers: their values are never
	// printed, logged or written to the rejects file.
	Identity bool
}

// Role is how a file relates to the people in the spine.
type Role uint8

// The roles of spine files.
const (
	// RolePeople: the file defines the people (person_id is unique; each
	// person gets a dense ordinal pid in file order).
	RolePeople Role = iota
	// RolePersonRows: each row belongs to a known person and is stored
	// against its pid.
	RolePersonRows
	// RoleLinkage: each row belongs to a known person and keeps its
	// person_id (identities: linkage keys, never joined into analysis data).
	RoleLinkage
)

// FileSchema describes one file of a spine: a new file or column of the
// contract is a new entry here (DESIGN.md §4.1), not a new code path.
type FileSchema struct {
	// Name is the file's base name without extension and the DuckDB table
	// it loads into: people is read from people.csv or people.parquet.
	Name     string
	Required bool
	Role     Role
	Columns  []Column
	// Start and End name a pair of date columns where End, when present,
	// must not be before Start.
	Start, End string
	// KeepExtra keeps unknown columns as attributes (people_attributes)
	// instead of ignoring them.
	KeepExtra bool
}

// Contract returns data contract v1, in load order: people first, since
// every other file refers to its person_id. The order is also the order in
// which file bytes enter the content hash. Each call returns a fresh copy.
func Contract() []FileSchema {
	return []FileSchema{
		{
			Name: "people", Required: true, Role: RolePeople, KeepExtra: true,
			Columns: []Column{
				{Name: "person_id", Kind: KindPerson, Required: true},
				{Name: "date_of_birth", Kind: KindDate, Required: true, Identity: true},
				{Name: "sex", Kind: KindSex, Required: true},
				{Name: "region", Kind: KindString, Required: true},
				{Name: "district", Kind: KindString, Nullable: true}, // §4.1, optional
			},
		},
		{
			Name: "identities", Required: true, Role: RoleLinkage,
			Columns: []Column{
				{Name: "person_id", Kind: KindPerson, Required: true},
				{Name: "nino", Kind: KindString, Required: true, Nullable: true, Identity: true},
				{Name: "first_name", Kind: KindString, Required: true, Nullable: true, Identity: true},
				{Name: "last_name", Kind: KindString, Required: true, Nullable: true, Identity: true},
				{Name: "date_of_birth", Kind: KindDate, Required: true, Nullable: true, Identity: true},
				{Name: "postcode", Kind: KindString, Required: true, Nullable: true, Identity: true},
			},
		},
		{
			Name: "benefit_spells", Required: true, Role: RolePersonRows, Start: "start_date", End: "end_date",
			Columns: []Column{
				{Name: "person_id", Kind: KindPerson, Required: true},
				{Name: "benefit", Kind: KindBenefit, Required: true},
				{Name: "start_date", Kind: KindDate, Required: true},
				{Name: "end_date", Kind: KindDate, Required: true, Nullable: true},
			},
		},
		{
			Name: "employment_spells", Required: true, Role: RolePersonRows, Start: "start_date", End: "end_date",
			Columns: []Column{
				{Name: "person_id", Kind: KindPerson, Required: true},
				{Name: "employer_id", Kind: KindString, Required: true},
				{Name: "start_date", Kind: KindDate, Required: true},
				{Name: "end_date", Kind: KindDate, Required: true, Nullable: true},
			},
		},
		{
			Name: "earnings", Required: true, Role: RolePersonRows,
			Columns: []Column{
				{Name: "person_id", Kind: KindPerson, Required: true},
				{Name: "month", Kind: KindMonth, Required: true},
				{Name: "amount", Kind: KindAmount, Required: true},
			},
		},
		{
			Name: "education", Required: false, Role: RolePersonRows, Start: "start_date", End: "end_date",
			Columns: []Column{
				{Name: "person_id", Kind: KindPerson, Required: true},
				{Name: "start_date", Kind: KindDate, Required: true},
				{Name: "end_date", Kind: KindDate, Required: true, Nullable: true},
				{Name: "level", Kind: KindString, Nullable: true},
				{Name: "achieved", Kind: KindBool, Nullable: true},
			},
		},
	}
}

// columnIndex returns the index of the named column in fs, or -1.
func (fs *FileSchema) columnIndex(name string) int {
	for i, c := range fs.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}
