package config

import (
	"fmt"
	"sort"
	"strings"
)

// Identities pins cross-system matches by hand, under "identities:" in
// takt.yaml. Automatic matching (explicit ids, then VAT id, then the
// normalised name, and only when unique) covers most records; a pin says
// what a person knows better, with a reason, and always wins.
//
//	identities:
//	  customers:
//	    - same: {hubspot: "7086461639", harvest: "5735776", xero: "a3675fc4-..."}
//	      reason: the Xero contact still carries the old company name
//	    - different: {hubspot: "7086464459", xero: "5cc8cf28-..."}
//	      reason: two subsidiaries with the same name
//	  projects:
//	    - same: {harvest: "14308069", hubspot: "479475667160"}
//	      reason: project created before the deal was closed
type Identities struct {
	Customers []IdentityRule `yaml:"customers"`
	Projects  []IdentityRule `yaml:"projects"`
}

// IdentityRule is one pin: the records in Same are one customer (or
// project); the records in Different must never be matched to each other.
// Keys are systems (hubspot, harvest, xero), values the record ids there:
// for customers the HubSpot company, Harvest client and Xero contact ids;
// for projects the HubSpot deal id, the Harvest project id and the project
// code Xero invoice lines are tracked to.
type IdentityRule struct {
	Same      map[string]string `yaml:"same"`
	Different map[string]string `yaml:"different"`
	Reason    string            `yaml:"reason"`
}

// IdentitySystems are the systems a pin can name.
var IdentitySystems = []string{"hubspot", "harvest", "xero"}

func (v *validator) checkIdentities(c *Identities) {
	v.checkIdentityRules("identities.customers", c.Customers)
	v.checkIdentityRules("identities.projects", c.Projects)
}

func (v *validator) checkIdentityRules(key string, rules []IdentityRule) {
	pinned := map[string]int{} // system:id -> rule number of its "same" pin
	for i, r := range rules {
		k := fmt.Sprintf("%s.%d", key, i)
		if (len(r.Same) == 0) == (len(r.Different) == 0) {
			v.fail(k, "expected exactly one of same or different, each naming records in at least two systems")
			continue
		}
		if strings.TrimSpace(r.Reason) == "" {
			v.fail(k+".reason", "missing; a pin needs a reason a colleague can check later")
		}
		ids, rel := r.Same, "same"
		if len(r.Different) > 0 {
			ids, rel = r.Different, "different"
		}
		if len(ids) < 2 {
			v.fail(k+"."+rel, "names %d system; expected records in at least two of hubspot, harvest, xero", len(ids))
		}
		systems := make([]string, 0, len(ids))
		for s := range ids {
			systems = append(systems, s)
		}
		sort.Strings(systems)
		for _, s := range systems {
			if !isIdentitySystem(s) {
				v.fail(k+"."+rel+"."+s, "unknown system; expected hubspot, harvest or xero")
				continue
			}
			if strings.TrimSpace(ids[s]) == "" {
				v.fail(k+"."+rel+"."+s, "empty id; expected the record's id in %s", s)
				continue
			}
			if rel == "same" {
				rec := s + ":" + ids[s]
				if prev, dup := pinned[rec]; dup {
					v.fail(k+"."+rel+"."+s, "%s %s is already pinned by rule %d; a record can be pinned to one group only", s, ids[s], prev)
				}
				pinned[rec] = i
			}
		}
	}
}

func isIdentitySystem(s string) bool {
	for _, x := range IdentitySystems {
		if s == x {
			return true
		}
	}
	return false
}
