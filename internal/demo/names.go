package demo

import (
	"strconv"
	"strings"
)

// companySeed is a customer name: the name proper and its legal form.
type companySeed struct{ base, legal string }

// countryPlan says how many customers come from each country, in the order
// they are drawn.
var countryPlan = []struct {
	country string
	n       int
}{{"DE", 16}, {"AT", 5}, {"FR", 4}, {"NL", 4}, {"GB", 4}, {"US", 4}, {"CH", 3}}

// exampleCustomer is the customer doc.go names; it is always part of the
// company and always spelled three ways.
var exampleCustomer = companySeed{"Müller Maschinenbau", "GmbH"}

var customerSeeds = map[string][]companySeed{
	"DE": {
		exampleCustomer,
		{"Schäfer Logistik", "GmbH"},
		{"Böhm & Söhne", "KG"},
		{"Schmidt & Partner Beratung", "GmbH"},
		{"Weber Elektrotechnik", "GmbH"},
		{"Hoffmann Medizintechnik", "AG"},
		{"Krüger Bau", "GmbH"},
		{"Becker & Braun Verlag", "GmbH"},
		{"Nordsee Windkraft", "AG"},
		{"Rheinland Versicherungsmakler", "GmbH"},
		{"Fischer Lebensmittel", "GmbH"},
		{"Zimmermann Automotive", "GmbH"},
		{"Hansa Reederei", "KG"},
		{"Köhler Chemie", "AG"},
		{"Bergmann Pharma", "GmbH"},
		{"Wagner & Lang Immobilien", "GmbH"},
		{"Sonnenfeld Solar", "GmbH"},
		{"Elbtal Brauerei", "GmbH"},
		{"Lübecker Marinesysteme", "GmbH"},
		{"Schwarzwald Uhrenwerk", "GmbH"},
		{"Meyer Möbelwerke", "GmbH"},
	},
	"AT": {
		{"Gruber Holzbau", "GmbH"},
		{"Steiner & Huber", "OG"},
		{"Wiener Stadtwerke Digital", "GmbH"},
		{"Tiroler Seilbahnen", "AG"},
		{"Pöllinger Kunststoff", "GmbH"},
		{"Donau Logistik", "GmbH"},
		{"Salzburger Bergbahnen", "AG"},
	},
	"FR": {
		{"Boulangeries Dupont", "SAS"},
		{"Lefèvre Conseil", "SARL"},
		{"Atelier Moreau", "SAS"},
		{"Vignobles Girard", "SA"},
		{"Électricité du Sud", "SAS"},
		{"Laurent & Fils", "SARL"},
	},
	"NL": {
		{"Blauwal Digital", "B.V."},
		{"Van der Berg Logistiek", "B.V."},
		{"De Vries Bouw", "B.V."},
		{"Oranje Energie", "N.V."},
		{"Zeeland Havens", "B.V."},
		{"Jansen & De Wit", "B.V."},
	},
	"GB": {
		{"Thames Valley Analytics", "Ltd"},
		{"Highland Distillers", "PLC"},
		{"Brighton & Hove Media", "Ltd"},
		{"Pennine Engineering", "Ltd"},
		{"Camden Retail Group", "PLC"},
		{"Oxford Learning Systems", "Ltd"},
	},
	"US": {
		{"Cascade Robotics", "Inc."},
		{"Lakeshore Health", "LLC"},
		{"Redwood Data Systems", "Inc."},
		{"Liberty Freight", "Corp."},
		{"Summit Outdoor Gear", "Inc."},
		{"Brooklyn Coffee Roasters", "LLC"},
	},
	"CH": {
		{"Zürcher Präzisionstechnik", "AG"},
		{"Bernina Uhren", "SA"},
		{"Alpine Data Services", "GmbH"},
		{"Léman Pharma", "SA"},
		{"Basler Finanzberatung", "AG"},
	},
}

type countryInfo struct {
	currency string
	eu       bool
	name     string // as written in a postal address
	tld      string
	cities   []string
	streets  []string
}

var countries = map[string]countryInfo{
	"DE": {"EUR", true, "Germany", "de", []string{"Hamburg", "München", "Köln", "Frankfurt am Main", "Stuttgart", "Düsseldorf", "Leipzig", "Bremen", "Hannover", "Nürnberg"}, []string{"Industriestraße", "Hauptstraße", "Am Hafen", "Gewerbepark", "Bahnhofstraße", "Lindenallee"}},
	"AT": {"EUR", true, "Austria", "at", []string{"Wien", "Graz", "Linz", "Salzburg", "Innsbruck"}, []string{"Mariahilfer Straße", "Landstraße", "Industriezeile", "Hauptplatz"}},
	"FR": {"EUR", true, "France", "fr", []string{"Paris", "Lyon", "Toulouse", "Bordeaux", "Lille"}, []string{"rue de la République", "avenue Jean Jaurès", "boulevard Voltaire", "rue du Commerce"}},
	"NL": {"EUR", true, "Netherlands", "nl", []string{"Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Den Haag"}, []string{"Keizersgracht", "Stationsplein", "Havenstraat", "Industrieweg"}},
	"GB": {"GBP", false, "United Kingdom", "co.uk", []string{"London", "Manchester", "Leeds", "Bristol", "Edinburgh"}, []string{"High Street", "Station Road", "Victoria Street", "Church Lane"}},
	"US": {"USD", false, "United States", "com", []string{"New York", "Chicago", "Seattle", "Austin", "Boston"}, []string{"Main Street", "Market Street", "Harbor Drive", "Elm Avenue"}},
	"CH": {"CHF", false, "Switzerland", "ch", []string{"Zürich", "Basel", "Bern", "Genève", "Lausanne"}, []string{"Bahnhofstrasse", "Seestrasse", "Rue du Rhône", "Industriestrasse"}},
}

// postcode returns a postal code in the country's usual form.
func postcode(r *rng, country string) string {
	switch country {
	case "DE", "FR":
		return strconv.Itoa(r.between(10000, 99999))
	case "AT", "CH":
		return strconv.Itoa(r.between(1000, 9999))
	case "NL":
		return strconv.Itoa(r.between(1000, 9999)) + " " + string(rune('A'+r.intn(26))) + string(rune('A'+r.intn(26)))
	case "GB":
		return "EC" + strconv.Itoa(r.between(1, 4)) + "A " + strconv.Itoa(r.between(1, 9)) + "BB"
	default:
		return strconv.Itoa(r.between(10000, 99999))
	}
}

var firstNames = []string{"Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Lea", "Paul", "Hannah", "Leon",
	"Emma", "Finn", "Mia", "Elias", "Clara", "Noah", "Laura", "Ben", "Julia", "Tim", "Sarah", "David", "Nina",
	"Jan", "Katharina", "Moritz", "Lena", "Tobias", "Sofia", "Max", "Johanna", "Erik", "Amelie", "Niklas"}

var lastNames = []string{"Schneider", "Fischer", "Weber", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch",
	"Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Braun", "Hofmann", "Zimmermann", "Hartmann", "Krüger",
	"Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler",
	"Herrmann", "König", "Walter", "Peters", "Jansen", "Okafor", "Novak", "Rossi", "Dubois", "Kowalski",
	"Yilmaz", "Nguyen"}

var roles = []string{"Consultant", "Senior Consultant", "Developer", "Senior Developer", "Architect", "Designer", "Test Engineer", "Project Manager"}

// Project topics by billing model.
var (
	projectTopics = []string{"ERP Migration", "Data Platform", "Customer Portal", "Cloud Migration", "BI Dashboards",
		"Process Automation", "Security Audit", "Mobile App", "CRM Rollout", "E-Commerce Relaunch", "API Integration",
		"DevOps Transformation", "Data Warehouse", "IT Strategy", "Website Relaunch", "Supply Chain Analytics",
		"Reporting Automation", "S/4HANA Readiness", "Digital Workplace", "Machine Learning Pilot",
		"Billing System Renewal", "Warehouse Management System", "Identity and Access Management"}
	retainerTopics = []string{"Support & Maintenance", "Managed Analytics", "Advisory Retainer", "Platform Operations", "Security Monitoring"}
)

// taskSeed is one of the firm's Harvest tasks with its list price in EUR
// per hour and the phrases people write in their notes.
type taskSeed struct {
	name    string
	rate    int64
	tracked bool // work on it is usually imported from the issue tracker
	phrases []string
}

var taskSeeds = []taskSeed{
	{"Consulting", 140, false, []string{"Stakeholder interview", "Requirements workshop", "Process analysis", "Steering committee preparation", "Target picture draft", "Review with business owners", "Options paper", "Status meeting with client"}},
	{"Architecture", 150, true, []string{"Solution design", "Interface specification", "Architecture review", "Data model design", "Infrastructure sizing", "Security concept"}},
	{"Development", 120, true, []string{"Implement export job", "Fix validation bug", "Code review", "Refactor import module", "Implement REST endpoint", "Write migration script", "Performance tuning", "Implement input form"}},
	{"Design", 110, true, []string{"Wireframes", "UI mockups", "Design review", "Style guide update", "Usability test preparation"}},
	{"Testing", 95, true, []string{"Test case design", "Regression testing", "Integration test run", "Bug triage", "Load test", "Acceptance test support"}},
	{"Training", 130, false, []string{"Training material", "User training session", "Train-the-trainer workshop", "Key user documentation"}},
	{"Management", 125, false, []string{"Sprint planning", "Status report", "Risk review", "Resource planning", "Budget tracking", "Client jour fixe"}},
}

var milestoneNames = map[int][]string{
	2: {"Implementation complete", "Final acceptance"},
	3: {"Concept signed off", "Implementation complete", "Go-live"},
	4: {"Concept signed off", "Prototype", "Go-live", "Final acceptance"},
}

var milestoneShares = map[int][]int64{2: {40, 60}, 3: {30, 40, 30}, 4: {20, 30, 30, 20}}

var changeRequestTitles = []string{"Additional interfaces", "Extended test phase", "Extra reporting requirements",
	"Migration of the legacy archive", "Additional training sessions", "Second rollout wave", "Extended hypercare"}

// transliterate writes a name the way systems without umlauts do.
func transliterate(s string) string {
	r := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss",
		"é", "e", "è", "e", "ê", "e", "É", "E", "à", "a", "ç", "c")
	return r.Replace(s)
}

func hasDiacritics(s string) bool { return transliterate(s) != s }

// andWord is how "&" is spelled out in a country's language.
func andWord(country string) string {
	switch country {
	case "DE", "AT", "CH":
		return "und"
	case "FR":
		return "et"
	case "NL":
		return "en"
	default:
		return "and"
	}
}

// longLegalForm is how a legal form reads when someone types it in full or
// records the firm's full registered form.
func longLegalForm(legal string) string {
	switch legal {
	case "GmbH":
		return "GmbH & Co. KG"
	case "AG":
		return "Aktiengesellschaft"
	case "KG":
		return "Kommanditgesellschaft"
	case "OG":
		return "Offene Gesellschaft"
	case "Ltd":
		return "Limited"
	case "PLC":
		return "plc"
	case "Inc.":
		return "Incorporated"
	case "LLC":
		return "L.L.C."
	case "Corp.":
		return "Corporation"
	case "B.V.":
		return "BV"
	case "N.V.":
		return "NV"
	case "SAS":
		return "S.A.S."
	case "SA":
		return "S.A."
	case "SARL":
		return "S.à r.l."
	}
	return legal
}

// slug is a lower-case ASCII form of a name for domains.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(transliterate(s)) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// letters returns the upper-case ASCII letters of s.
func letters(s string) string {
	var b strings.Builder
	for _, c := range strings.ToUpper(transliterate(s)) {
		if c >= 'A' && c <= 'Z' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func digitString(ds []int) string {
	b := make([]byte, len(ds))
	for i, d := range ds {
		b[i] = byte('0' + d)
	}
	return string(b)
}

func randomDigits(r *rng, n int) []int {
	ds := make([]int, n)
	ds[0] = r.between(1, 9)
	for i := 1; i < n; i++ {
		ds[i] = r.intn(10)
	}
	return ds
}

// vatID returns a VAT id in the country's format with a valid check digit,
// or "" for countries whose customers have none here (US).
func vatID(r *rng, country string) string {
	switch country {
	case "DE": // ISO 7064 MOD 11,10 over 8 digits.
		ds := randomDigits(r, 8)
		product := 10
		for _, d := range ds {
			sum := (d + product) % 10
			if sum == 0 {
				sum = 10
			}
			product = 2 * sum % 11
		}
		check := 11 - product
		if check == 10 {
			check = 0
		}
		return "DE" + digitString(append(ds, check))
	case "AT": // ATU, 7 digits and a Luhn-like check digit.
		ds := randomDigits(r, 7)
		s := 0
		for i, d := range ds {
			if i%2 == 1 {
				d *= 2
				d = d/10 + d%10
			}
			s += d
		}
		return "ATU" + digitString(append(ds, (10-(s+4)%10)%10))
	case "FR": // Key over a Luhn-valid SIREN.
		ds := randomDigits(r, 8)
		s := 0
		for i := len(ds) - 1; i >= 0; i-- {
			d := ds[i]
			if (len(ds)-1-i)%2 == 0 {
				d *= 2
				if d > 9 {
					d -= 9
				}
			}
			s += d
		}
		ds = append(ds, (10-s%10)%10)
		siren, _ := strconv.Atoi(digitString(ds))
		return "FR" + pad2((12+3*(siren%97))%97) + digitString(ds)
	case "NL": // Weighted mod 11 over 8 digits, then B01.
		for {
			ds := randomDigits(r, 8)
			s := 0
			for i, d := range ds {
				s += d * (9 - i)
			}
			if check := s % 11; check < 10 {
				return "NL" + digitString(append(ds, check)) + "B01"
			}
		}
	case "GB": // Weighted mod 97 over 7 digits.
		ds := randomDigits(r, 7)
		s := 0
		for i, d := range ds {
			s += d * (8 - i)
		}
		return "GB" + digitString(ds) + pad2((97-s%97)%97)
	case "CH": // UID: weighted mod 11 over 8 digits.
		weights := []int{5, 4, 3, 2, 7, 6, 5, 4}
		for {
			ds := randomDigits(r, 8)
			s := 0
			for i, d := range ds {
				s += d * weights[i]
			}
			check := 11 - s%11
			if check == 11 {
				check = 0
			}
			if check == 10 {
				continue
			}
			n := digitString(append(ds, check))
			return "CHE-" + n[0:3] + "." + n[3:6] + "." + n[6:9] + " MWST"
		}
	}
	return ""
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// upperName writes a name in capitals, as some people type into accounting
// systems.
func upperName(s string) string { return strings.ToUpper(s) }
