package config

import "time"

// Sync tunes how a source's streams are read, under
// sources.<name>.sync in takt.yaml.
type Sync struct {
	// Overlap is how far before a stream's cursor an incremental read
	// starts, so that records saved in the source while the previous run
	// read it are not missed (they come twice, and collapse by id and
	// updated_at). Default DefaultOverlap; 0s reads from the cursor.
	Overlap *time.Duration `yaml:"overlap"`
	// DeletionCheckEvery is after how many runs takt lists a stream's ids
	// to find records deleted in the source, for sources whose
	// incremental reads do not report deletions (Harvest). Default
	// DefaultDeletionCheckEvery; 1 checks on every run. A full refresh
	// finds deleted records too.
	DeletionCheckEvery int `yaml:"deletion_check_every"`
}

// Defaults of Sync.
const (
	DefaultOverlap            = 5 * time.Minute
	DefaultDeletionCheckEvery = 12
)

// OverlapOrDefault is the source's overlap.
func (s Source) OverlapOrDefault() time.Duration {
	if s.Sync == nil || s.Sync.Overlap == nil {
		return DefaultOverlap
	}
	return *s.Sync.Overlap
}

// DeletionCheckEveryOrDefault is after how many runs the source's ids are
// listed.
func (s Source) DeletionCheckEveryOrDefault() int {
	if s.Sync == nil || s.Sync.DeletionCheckEvery == 0 {
		return DefaultDeletionCheckEvery
	}
	return s.Sync.DeletionCheckEvery
}

func (v *validator) sync(key string, s *Sync) {
	if s == nil {
		return
	}
	if s.Overlap != nil && (*s.Overlap < 0 || *s.Overlap > 24*time.Hour) {
		v.fail(key+".overlap", "%s is out of range; expected a duration between 0s and 24h like 5m", *s.Overlap)
	}
	if s.DeletionCheckEvery < 0 {
		v.fail(key+".deletion_check_every", "%d is out of range; expected a number of runs, 1 or more", s.DeletionCheckEvery)
	}
}
