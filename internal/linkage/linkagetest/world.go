// Package linkagetest builds synthetic spines and noisy participant lists
// with known true links, independently of internal/synth, for testing and
// benchmarking record linkage.
package linkagetest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// World is a synthetic spine of identities and a noisy submission with
// known true links, built independently of internal/synth so linkage can be
// tested on its own. The noise follows what the Data Labs report in real
// submissions: nicknames, typos, day and month swapped, missing or
// mistyped NINOs, people who moved, and people not in the spine. The spine
// holds hard negatives too: twins (same surname, date of birth and
// postcode) and namesakes.
type World struct {
	Identities []linkage.Identity
	CSV        string            // participants.csv as a provider might export it
	Truth      map[string]string // participant_ref -> person_id ("" = not in spine)
	// Submitted holds the identifiers as submitted (after noise), for
	// privacy tests that must not find them in any output.
	Submitted []linkage.Identity
}

var (
	worldFirst = strings.Fields(`james john robert michael william david richard joseph thomas charles
christopher daniel matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george
timothy ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott
brandon benjamin samuel gregory alexander patrick frank raymond jack dennis jerry tyler aaron jose adam
nathan henry peter zachary douglas harold kyle noah gerald ethan carl terry sean christian arthur austin
lawrence jesse dylan bryan joe jordan billy bruce albert willie gabriel logan alan juan wayne elijah
randy roy vincent ralph eugene russell bobby mason philip louis mary patricia jennifer linda elizabeth
barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley kimberly emily donna michelle
carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen amy angela shirley
anna brenda pamela emma nicole helen samantha katherine christine debra rachel carolyn janet catherine
maria heather diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith
megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn janice jean
abigail alice julia judy sophia grace denise amber doris marilyn danielle beverly isabella theresa diana
natalie brittany charlotte marie kayla alexis lori`)
	worldSurnamePrefix = strings.Fields(`ash brad brook clay dun east fair green hart hol kings lang mar
mil new north oak pen red rich ross shel south stan ston thorn war wes whit wood wyn ald bar bel ber
black brom cal car ches cole craw dal dar den der far fen fox gar glen gold hal ham hay hen her hil
hud kel ken kir lee lin mal man mer mor nor pal par pem per rad ram rey ros sal sand sax sel shaw
sher sid sto sum sut tal tam tan ted tem ter tin tor ven ver wal wat wel wil win wor yar`)
	worldSurnameSuffix = strings.Fields(`by ford ton ley well wood field ham worth bury more land shaw
stone cliffe dale wick ridge brook man son er s hurst combe den ing mere`)
	worldCommonSurnames = strings.Fields(`smith jones williams taylor brown davies evans wilson thomas
johnson roberts robinson thompson wright walker white edwards hughes green hall lewis harris clarke
patel jackson wood turner martin cooper hill ward morris moore clark lee king baker harrison morgan
allen james scott phillips watson davis parker price bennett young griffiths mitchell kelly cook
carter richardson bailey collins bell shaw murphy miller cox richards khan marshall anderson simpson
ellis adams singh begum wilkinson foster chapman powell webb rogers gray mason ali hunt hussain
campbell matthews owen palmer holmes mills barnes knight lloyd butler russell barker fisher stevens
jenkins murray dixon harvey graham pearson ahmed fletcher walsh kaur gibson howard andrews stewart
elliott reynolds saunders payne fox ford pearce day brooks west lawrence cole atkinson bradley
spencer gill dawson ball burton obrien watts rose booth perry ryan grant wells armstrong francis rees
hayes hart hudson newman barrett webster hunter gregory carr lowe page marsh riley dunn woods`)
	worldAreas = strings.Fields(`AB AL B BA BB BD BH BL BN BR BS CA CB CF CH CM CO CR CT CV CW DA DD DE DH
DL DN DT DY E EC EH EN EX FK FY G GL GU HA HD HG HP HR HU HX IG IP KT KY L LA LD LE LL LN LS LU M ME MK
ML N NE NG NN NP NR NW OL OX PE PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TF TN
TQ TR TS TW UB W WA WD WF WN WR WS WV YO`)
)

// Noise sets the rates of each kind of error, as shares of participants
// (Twins and Namesakes: of spine people).
type Noise struct {
	NotInSpine                  float64 // share of participants not in the spine
	Nickname, FirstTypo         float64
	LastTypo, LastChanged       float64
	DOBSwap, DOBOnePart         float64
	Moved, MovedNearby          float64 // MovedNearby: share of movers who stay in their district
	NINOMissing, NINOTypo       float64
	Twins, Namesakes            float64 // share of spine people with a twin / a namesake
	DDMMYYYY, Shout, StraySpace float64 // presentation: date format, upper case, stray spaces
	// NameTag, if set, is appended to every name, so that privacy tests
	// can search outputs for names without tripping on ordinary words
	// ("mark", "day"). Nicknames are then not recognised.
	NameTag string
}

// DefaultNoise is a hard but realistic submission.
func DefaultNoise() Noise {
	return Noise{
		NotInSpine: 0.10,
		Nickname:   0.10, FirstTypo: 0.05,
		LastTypo: 0.05, LastChanged: 0.02,
		DOBSwap: 0.03, DOBOnePart: 0.03,
		Moved: 0.20, MovedNearby: 0.5,
		NINOMissing: 0.30, NINOTypo: 0.03,
		Twins: 0.02, Namesakes: 0.02,
		DDMMYYYY: 0.5, Shout: 0.2, StraySpace: 0.2,
	}
}

type worldGen struct {
	tag   string
	r     *rand.Rand
	nn    *linkage.Nicknames
	ninos map[string]bool
	first []string // with nickname variants available
}

func (g *worldGen) surname() string {
	if g.r.Float64() < 0.5 {
		// Common names follow a rough Zipf law.
		i := int(float64(len(worldCommonSurnames)) * g.r.Float64() * g.r.Float64())
		return worldCommonSurnames[i]
	}
	return worldSurnamePrefix[g.r.IntN(len(worldSurnamePrefix))] + worldSurnameSuffix[g.r.IntN(len(worldSurnameSuffix))]
}

func (g *worldGen) firstName() string {
	i := int(float64(len(worldFirst)) * g.r.Float64() * (0.3 + 0.7*g.r.Float64()))
	return worldFirst[i]
}

func (g *worldGen) nino() string {
	for {
		var b [9]byte
		b[0] = "ABCEGHJKLMNOPRSTWXYZ"[g.r.IntN(20)]
		b[1] = "ABCEGHJKLMNPRSTWXYZ"[g.r.IntN(19)]
		for i := 2; i < 8; i++ {
			b[i] = byte('0' + g.r.IntN(10))
		}
		b[8] = "ABCD"[g.r.IntN(4)]
		s := string(b[:])
		switch s[:2] {
		case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
			continue
		}
		if !g.ninos[s] {
			g.ninos[s] = true
			return s
		}
	}
}

func (g *worldGen) postcode() string {
	area := worldAreas[g.r.IntN(len(worldAreas))]
	return fmt.Sprintf("%s%d %d%c%c", area, 1+g.r.IntN(20), g.r.IntN(10), 'A'+rune(g.r.IntN(26)), 'A'+rune(g.r.IntN(26)))
}

func (g *worldGen) nearby(pc string) string {
	out := strings.Fields(pc)[0]
	return fmt.Sprintf("%s %d%c%c", out, g.r.IntN(10), 'A'+rune(g.r.IntN(26)), 'A'+rune(g.r.IntN(26)))
}

func (g *worldGen) dob() timeline.Date {
	return timeline.DateOf(1950, 1, 1) + timeline.Date(g.r.IntN(55*365))
}

func (g *worldGen) person(id int) linkage.Identity {
	return linkage.Identity{
		PersonID:    fmt.Sprintf("P%07d", id),
		NINO:        g.nino(),
		FirstName:   g.firstName() + g.tag,
		LastName:    g.surname() + g.tag,
		DateOfBirth: g.dob(),
		Postcode:    g.postcode(),
	}
}

// typo makes one keyboard slip: substitute, delete, insert or swap.
func (g *worldGen) typo(s string) string {
	if len(s) < 3 {
		return s + "e"
	}
	b := []byte(s)
	i := 1 + g.r.IntN(len(b)-2) // keep the first letter, as most slips do
	switch g.r.IntN(4) {
	case 0:
		b[i] = byte('a' + g.r.IntN(26))
	case 1:
		b = append(b[:i], b[i+1:]...)
	case 2:
		b = append(b[:i], append([]byte{byte('a' + g.r.IntN(26))}, b[i:]...)...)
	default:
		b[i], b[i+1] = b[i+1], b[i]
	}
	return string(b)
}

func (g *worldGen) nickname(first string) string {
	options := g.nn.Variants(first)
	if len(options) == 0 {
		return first
	}
	return options[g.r.IntN(len(options))]
}

// NewWorld builds a spine of nSpine identities and a submission of
// nParticipants (at most nSpine), reproducibly from seed.
func NewWorld(seed uint64, nSpine, nParticipants int, noise Noise) World {
	g := &worldGen{tag: noise.NameTag, r: rand.New(rand.NewPCG(seed, 0x5eed)), nn: linkage.NewNicknames(), ninos: map[string]bool{}}
	ids := make([]linkage.Identity, 0, nSpine)
	for len(ids) < nSpine {
		p := g.person(len(ids))
		ids = append(ids, p)
		if len(ids) < nSpine && g.r.Float64() < noise.Twins {
			t := g.person(len(ids))
			t.LastName, t.DateOfBirth, t.Postcode = p.LastName, p.DateOfBirth, p.Postcode
			ids = append(ids, t)
		}
		if len(ids) < nSpine && g.r.Float64() < noise.Namesakes {
			t := g.person(len(ids))
			t.FirstName, t.LastName = p.FirstName, p.LastName
			ids = append(ids, t)
		}
	}
	w := World{Identities: ids, Truth: map[string]string{}}
	perm := g.r.Perm(len(ids))
	var b strings.Builder
	b.WriteString("\xEF\xBB\xBFParticipant_Ref,NINO,First Name,Last Name,Date of Birth,Postcode,Start Date,site\r\n")
	start := timeline.DateOf(2022, 1, 1)
	for i := 0; i < nParticipants; i++ {
		ref := fmt.Sprintf("R%06d", i)
		var p linkage.Identity
		if g.r.Float64() < noise.NotInSpine {
			p = g.person(-1)
			w.Truth[ref] = ""
		} else {
			p = ids[perm[i]]
			w.Truth[ref] = p.PersonID
		}
		// Noise.
		if g.r.Float64() < noise.Nickname {
			p.FirstName = g.nickname(p.FirstName)
		}
		if g.r.Float64() < noise.FirstTypo {
			p.FirstName = g.typo(p.FirstName)
		}
		if g.r.Float64() < noise.LastTypo {
			p.LastName = g.typo(p.LastName)
		}
		if g.r.Float64() < noise.LastChanged {
			p.LastName = g.surname() + g.tag
		}
		t := p.DateOfBirth.Time()
		y, m, d := t.Year(), t.Month(), t.Day()
		switch u := g.r.Float64(); {
		case u < noise.DOBSwap && d <= 12 && d != int(m):
			m, d = time.Month(d), int(m)
		case u < noise.DOBSwap+noise.DOBOnePart:
			switch g.r.IntN(3) {
			case 0:
				y += 1 - 2*g.r.IntN(2)
			case 1:
				m = time.Month(1 + (int(m)+g.r.IntN(11))%12)
			default:
				d = 1 + (d+g.r.IntN(27))%28
			}
		}
		p.DateOfBirth = timeline.DateOf(y, m, d)
		if g.r.Float64() < noise.Moved {
			if g.r.Float64() < noise.MovedNearby {
				p.Postcode = g.nearby(p.Postcode)
			} else {
				p.Postcode = g.postcode()
			}
		}
		switch u := g.r.Float64(); {
		case u < noise.NINOMissing:
			p.NINO = ""
		case u < noise.NINOMissing+noise.NINOTypo:
			nb := []byte(p.NINO)
			k := 2 + g.r.IntN(6)
			nb[k] = byte('0' + (int(nb[k]-'0')+1+g.r.IntN(9))%10)
			p.NINO = string(nb)
		}
		w.Submitted = append(w.Submitted, p)
		// Presentation noise.
		dob := p.DateOfBirth.String()
		if g.r.Float64() < noise.DDMMYYYY {
			dob = p.DateOfBirth.Time().Format("02/01/2006")
		}
		first, last := strings.ToUpper(p.FirstName[:1])+p.FirstName[1:], strings.ToUpper(p.LastName[:1])+p.LastName[1:]
		if g.r.Float64() < noise.Shout {
			first, last = strings.ToUpper(first), strings.ToUpper(last)
		}
		nino := p.NINO
		if nino != "" && g.r.Float64() < 0.5 {
			nino = nino[:2] + " " + nino[2:4] + " " + nino[4:6] + " " + nino[6:8] + " " + nino[8:]
		}
		if g.r.Float64() < noise.StraySpace {
			first, last = " "+first, last+"  "
		}
		fmt.Fprintf(&b, "%s,%s,\"%s\",\"%s\",%s,%s,%s,site%d\r\n", ref, nino, first, last, dob, p.Postcode,
			start+timeline.Date(g.r.IntN(365)), g.r.IntN(3))
	}
	w.CSV = b.String()
	return w
}
