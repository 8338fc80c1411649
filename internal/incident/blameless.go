package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	sqlfiles "github.com/takt-billing/takt/sql"
)

// Person is someone the warehouse knows by name.
type Person struct {
	Name   string
	Email  string
	Source string // where the name comes from: harvest, hubspot
}

// Mention is a person a text names.
type Mention struct {
	// Person is the name as the warehouse holds it.
	Person string `json:"person"`
	Source string `json:"source"`
	// Matched is the text as written.
	Matched string `json:"matched"`
	// How is full_name, first_name, last_name or email.
	How string `json:"how"`
}

// Flag is the blameless prompt on one entry of an incident's record.
type Flag struct {
	Seq      int
	Kind     EventKind
	Mentions []Mention
	Prompt   string
}

// People are the names a text is checked against, and the organisations
// whose names must not count as a person's (a customer called "Fischer
// Lebensmittel GmbH" does not name Lena Fischer).
type People struct {
	persons []personNames
	first   map[string][]int // folded first name -> persons
	last    map[string][]int // folded last name -> persons
	orgs    [][]string       // folded token sequences of organisation names
}

type personNames struct {
	Person
	full  []string // folded tokens of the name
	email string   // lower case
}

// legalForms are tokens that end a company name rather than identify it.
var legalForms = map[string]bool{
	"gmbh": true, "mbh": true, "co": true, "kg": true, "ag": true, "se": true, "ug": true, "ohg": true, "gbr": true,
	"ltd": true, "limited": true, "llc": true, "inc": true, "corp": true, "plc": true, "bv": true, "nv": true,
	"sarl": true, "sas": true, "sa": true, "srl": true, "spa": true, "og": true, "gesmbh": true, "und": true, "and": true,
}

// NewPeople indexes persons and organisation names for Check.
func NewPeople(persons []Person, organisations []string) *People {
	p := &People{first: map[string][]int{}, last: map[string][]int{}}
	seen := map[string]bool{}
	for _, pr := range persons {
		full := foldedWords(pr.Name)
		if len(full) == 0 {
			continue
		}
		key := pr.Source + "\x00" + strings.Join(full, " ")
		if seen[key] {
			continue
		}
		seen[key] = true
		i := len(p.persons)
		p.persons = append(p.persons, personNames{Person: pr, full: full, email: strings.ToLower(strings.TrimSpace(pr.Email))})
		p.first[full[0]] = append(p.first[full[0]], i)
		if len(full) > 1 {
			p.last[full[len(full)-1]] = append(p.last[full[len(full)-1]], i)
		}
	}
	for _, o := range organisations {
		all := foldedWords(o)
		if len(all) >= 2 {
			p.orgs = append(p.orgs, all)
		}
		var core []string
		for _, w := range all {
			if !legalForms[w] && utf8.RuneCountInString(w) > 1 {
				core = append(core, w)
			}
		}
		if len(core) >= 2 && len(core) != len(all) {
			p.orgs = append(p.orgs, core)
		}
	}
	return p
}

// Len is the number of people known.
func (p *People) Len() int {
	if p == nil {
		return 0
	}
	return len(p.persons)
}

// minLoneName is the shortest first or last name that counts on its own;
// shorter ones are too often initials or ordinary syllables.
const minLoneName = 3

// Check returns the people text names: a full name in either order (any
// case, umlauts written either way), an e-mail address, or a first or last
// name on its own written with a capital letter and not part of an
// organisation's name. The text itself is never changed.
func (p *People) Check(text string) []Mention {
	if p == nil || len(p.persons) == 0 || strings.TrimSpace(text) == "" {
		return nil
	}
	toks := tokenize(text)
	used := make([]bool, len(toks))
	var out []Mention
	seen := map[string]bool{}
	add := func(i int, how, matched string) {
		pr := p.persons[i]
		key := pr.Source + "\x00" + pr.Name
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, Mention{Person: pr.Name, Source: pr.Source, Matched: matched, How: how})
	}
	lower := strings.ToLower(text)
	for i, pr := range p.persons {
		if pr.email != "" && strings.Contains(lower, pr.email) {
			add(i, "email", pr.email)
		}
		if len(pr.full) < 2 {
			continue
		}
		rev := slices.Clone(pr.full)
		slices.Reverse(rev)
		for j := range toks {
			for _, seq := range [][]string{pr.full, rev} {
				if matchAt(toks, j, seq) {
					for k := j; k < j+len(seq); k++ {
						used[k] = true
					}
					add(i, "full_name", text[toks[j].start:toks[j+len(seq)-1].end])
				}
			}
		}
	}
	masked := make([]bool, len(toks))
	for _, org := range p.orgs {
		for j := range toks {
			if matchAt(toks, j, org) {
				for k := j; k < j+len(org); k++ {
					masked[k] = true
				}
			}
		}
	}
	for j, t := range toks {
		if used[j] || masked[j] || utf8.RuneCountInString(t.fold) < minLoneName {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(t.orig); !unicode.IsUpper(r) {
			continue
		}
		for _, i := range p.first[t.fold] {
			add(i, "first_name", t.orig)
		}
		for _, i := range p.last[t.fold] {
			add(i, "last_name", t.orig)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Person < out[b].Person })
	return out
}

// Prompt is the gentle note shown beside a text that names people. It
// never blocks: the text is kept as written.
func Prompt(kind EventKind, mentions []Mention) string {
	if len(mentions) == 0 {
		return ""
	}
	names := make([]string, 0, len(mentions))
	for _, m := range mentions {
		names = append(names, fmt.Sprintf("%s (%s in %s)", m.Matched, m.Person, sourceLabel(m.Source)))
	}
	who := strings.Join(names, ", ")
	switch kind {
	case EventFollowUp:
		return "This follow-up names " + who + ". Follow-ups belong to a role (for example Billing Lead or Controller) so they outlive staffing changes; consider naming the role and the system or step to change. The text is kept as written."
	case EventTitle:
		return "The title names " + who + ". A title that names the system and the effect (for example \"Harvest approvals missing from the March run\") keeps the review about conditions, not people. The text is kept as written."
	}
	return "This names " + who + ". Blameless reviews describe the conditions that made the slip possible — the system, the step, the missing check or signal — rather than who did it; for example \"the approval step sends no reminder\" instead of \"X forgot to approve\". The text is kept as written."
}

func sourceLabel(s string) string {
	switch s {
	case "harvest":
		return "Harvest"
	case "hubspot":
		return "HubSpot"
	}
	return s
}

type token struct {
	orig, fold string
	start, end int
}

// tokenize splits text into words (letters and digits) with their byte
// offsets.
func tokenize(text string) []token {
	var out []token
	start := -1
	for i, r := range text {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, token{orig: text[start:i], fold: fold(text[start:i]), start: start, end: i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, token{orig: text[start:], fold: fold(text[start:]), start: start, end: len(text)})
	}
	return out
}

func foldedWords(s string) []string {
	toks := tokenize(s)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.fold
	}
	return out
}

func matchAt(toks []token, j int, seq []string) bool {
	if len(seq) == 0 || j+len(seq) > len(toks) {
		return false
	}
	for k, w := range seq {
		if toks[j+k].fold != w {
			return false
		}
	}
	return true
}

// folder writes names the way systems without umlauts and accents do, so
// "Krüger" and "Krueger", "Léa" and "Lea" compare equal.
var folder = strings.NewReplacer(
	"ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "æ", "ae", "œ", "oe",
	"à", "a", "á", "a", "â", "a", "ã", "a", "å", "a", "ą", "a",
	"ç", "c", "č", "c", "ć", "c",
	"è", "e", "é", "e", "ê", "e", "ë", "e", "ę", "e", "ě", "e",
	"ì", "i", "í", "i", "î", "i", "ï", "i", "ı", "i",
	"ñ", "n", "ń", "n", "ň", "n",
	"ò", "o", "ó", "o", "ô", "o", "õ", "o", "ø", "o",
	"ù", "u", "ú", "u", "û", "u", "ů", "u",
	"ý", "y", "ÿ", "y",
	"ł", "l", "ř", "r", "ś", "s", "š", "s", "ş", "s", "ź", "z", "ż", "z", "ž", "z", "ğ", "g",
)

func fold(s string) string { return folder.Replace(strings.ToLower(s)) }

// LoadPeople reads the people and organisations the warehouse knows:
// Harvest users (staging.harvest_users), HubSpot owners where a table of
// them exists (staging.hubspot_owners, else raw.hubspot_owners), and the
// customers' names (core.customers). Tables that do not exist yet (no run
// so far) are skipped.
func LoadPeople(ctx context.Context, db querier) (*People, error) {
	var persons []Person
	var orgs []string
	if ok, err := relationExists(ctx, db, "staging", "harvest_users"); err != nil {
		return nil, err
	} else if ok {
		rows, err := db.QueryContext(ctx, sqlfiles.Query("incident_people_harvest"))
		if err != nil {
			return nil, fmt.Errorf("incident: people from staging.harvest_users: %w", err)
		}
		for rows.Next() {
			var name, email sql.NullString
			if err := rows.Scan(&name, &email); err != nil {
				rows.Close()
				return nil, err
			}
			persons = append(persons, Person{Name: name.String, Email: email.String, Source: "harvest"})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, rel := range []struct{ schema, query string }{
		{"staging", "incident_people_hubspot_owners_staging"},
		{"raw", "incident_people_hubspot_owners_raw"},
	} {
		ok, err := relationExists(ctx, db, rel.schema, "hubspot_owners")
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		owners, err := hubspotOwners(ctx, db, rel.query)
		if err != nil {
			return nil, fmt.Errorf("incident: people from %s.hubspot_owners: %w", rel.schema, err)
		}
		persons = append(persons, owners...)
		break
	}
	if ok, err := relationExists(ctx, db, "core", "customers"); err != nil {
		return nil, err
	} else if ok {
		rows, err := db.QueryContext(ctx, sqlfiles.Query("incident_organisations"))
		if err != nil {
			return nil, fmt.Errorf("incident: customer names: %w", err)
		}
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return nil, err
			}
			orgs = append(orgs, name)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return NewPeople(persons, orgs), nil
}

// hubspotOwners reads owners whatever the table's exact columns: HubSpot's
// owners API names people with firstName and lastName.
func hubspotOwners(ctx context.Context, db querier, query string) ([]Person, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query(query))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(doc), &m); err != nil {
			return nil, err
		}
		str := func(keys ...string) string {
			for _, k := range keys {
				if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
					return strings.TrimSpace(s)
				}
			}
			return ""
		}
		name := strings.TrimSpace(str("first_name", "firstName") + " " + str("last_name", "lastName"))
		if name == "" {
			name = str("name")
		}
		if name != "" {
			out = append(out, Person{Name: name, Email: str("email"), Source: "hubspot"})
		}
	}
	return out, rows.Err()
}

func relationExists(ctx context.Context, db querier, schema, name string) (bool, error) {
	var n int
	if err := db.QueryRowContext(ctx, sqlfiles.Query("incident_relation_exists"), schema, name).Scan(&n); err != nil {
		return false, fmt.Errorf("incident: look up %s.%s: %w", schema, name, err)
	}
	return n > 0, nil
}

// querier is what reads need: a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
