package synth

// Names for synthetic identities. First names are common in England and
// Wales across the birth cohorts 1950–2005 (ONS "Baby names" series); the
// nickname column gives the informal form a provider might record instead
// (Robert → Bob). Surnames are among the most common in Great Britain.
// None of these identify anyone: each synthetic person draws them
// independently.

type firstName struct {
	Formal, Nick string // Nick may be empty
}

var femaleNames = [...]firstName{
	{"Susan", "Sue"}, {"Karen", ""}, {"Julie", ""}, {"Sarah", ""}, {"Emma", ""},
	{"Claire", ""}, {"Nicola", "Nicky"}, {"Lisa", ""}, {"Michelle", "Shelley"}, {"Helen", ""},
	{"Rebecca", "Becky"}, {"Laura", ""}, {"Gemma", ""}, {"Amy", ""}, {"Hannah", ""},
	{"Jessica", "Jess"}, {"Sophie", ""}, {"Chloe", ""}, {"Lauren", ""}, {"Charlotte", "Lottie"},
	{"Olivia", "Liv"}, {"Emily", "Em"}, {"Elizabeth", "Liz"}, {"Margaret", "Maggie"}, {"Patricia", "Pat"},
	{"Catherine", "Kate"}, {"Victoria", "Vicky"}, {"Samantha", "Sam"}, {"Jennifer", "Jenny"}, {"Deborah", "Debbie"},
	{"Amanda", "Mandy"}, {"Joanne", "Jo"}, {"Louise", ""}, {"Kelly", ""}, {"Zoe", ""},
	{"Natalie", "Nat"}, {"Katie", ""}, {"Megan", ""}, {"Bethany", "Beth"}, {"Abigail", "Abi"},
	{"Jade", ""}, {"Stephanie", "Steph"}, {"Christine", "Chris"}, {"Alison", "Ali"}, {"Angela", "Angie"},
	{"Amelia", "Millie"}, {"Grace", ""}, {"Ellie", ""}, {"Jasmine", "Jas"}, {"Fatima", ""},
	{"Aisha", ""}, {"Priya", ""}, {"Ewa", ""}, {"Agnieszka", ""}, {"Siobhan", ""},
	{"Kirsty", ""}, {"Rachel", ""}, {"Joanna", "Jo"}, {"Dorothy", "Dot"}, {"Barbara", "Babs"},
}

var maleNames = [...]firstName{
	{"David", "Dave"}, {"John", "Jack"}, {"Michael", "Mike"}, {"Paul", ""}, {"Andrew", "Andy"},
	{"Mark", ""}, {"James", "Jim"}, {"Robert", "Bob"}, {"Richard", "Rich"}, {"Stephen", "Steve"},
	{"Christopher", "Chris"}, {"Daniel", "Dan"}, {"Matthew", "Matt"}, {"Thomas", "Tom"}, {"Anthony", "Tony"},
	{"William", "Bill"}, {"Peter", "Pete"}, {"Steven", "Steve"}, {"Gary", ""}, {"Ian", ""},
	{"Jonathan", "Jon"}, {"Benjamin", "Ben"}, {"Samuel", "Sam"}, {"Joshua", "Josh"}, {"Jack", ""},
	{"Ryan", ""}, {"Liam", ""}, {"Jordan", ""}, {"Callum", ""}, {"Lewis", ""},
	{"Oliver", "Ollie"}, {"Harry", ""}, {"Charlie", ""}, {"George", ""}, {"Alexander", "Alex"},
	{"Nicholas", "Nick"}, {"Edward", "Ed"}, {"Kevin", ""}, {"Simon", ""}, {"Martin", ""},
	{"Lee", ""}, {"Craig", ""}, {"Scott", ""}, {"Jamie", ""}, {"Adam", ""},
	{"Mohammed", ""}, {"Ahmed", ""}, {"Ali", ""}, {"Tomasz", ""}, {"Piotr", ""},
	{"Sean", ""}, {"Connor", ""}, {"Kieran", ""}, {"Gareth", ""}, {"Rhys", ""},
	{"Alan", ""}, {"Brian", ""}, {"Kenneth", "Ken"}, {"Raymond", "Ray"}, {"Joseph", "Joe"},
}

var surnames = [...]string{
	"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
	"Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
	"Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill",
	"Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen",
	"James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths",
	"Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy",
	"Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh",
	"Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali",
	"Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight",
	"Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey",
	"Graham", "Pearson", "Ahmed", "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews", "Stewart",
	"Elliott", "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West",
	"Lawrence", "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson", "Ball", "Burton", "O'Brien",
	"Watts", "Rose", "Booth", "Perry", "Ryan", "Grant", "Wells", "Armstrong", "Francis", "Rees",
	"Hayes", "Hart", "Hudson", "Newman", "Barrett", "Webster", "Hunter", "Gregory", "Carr", "Lowe",
	"Page", "Marsh", "Riley", "Dunn", "Woods", "Parsons", "Berry", "Stone", "Reid", "Holland",
	"Hawkins", "Harding", "Porter", "Robertson", "Newton", "Oliver", "Reed", "Kennedy", "Williamson", "Bird",
	"Gardner", "Shah", "Dean", "Lane", "Cooke", "Bates", "Henderson", "Parry", "Burgess", "Bishop",
	"Walton", "Burns", "Nicholson", "Shepherd", "Ross", "Cross", "Long", "Freeman", "Warren", "Nicholls",
	"Hamilton", "Byrne", "Sutton", "McDonald", "Yates", "Hodgson", "Robson", "Curtis", "Hopkins", "O'Connor",
	"Kowalski", "Nowak", "Okafor", "Mensah", "Nguyen", "Chen", "Wong", "Rahman", "Islam", "Mahmood",
}

// ninoLetters are the letters HMRC allocates as the first and second
// prefix letters of a National Insurance number (HMRC National Insurance
// Manual NIM39110): neither may be D, F, I, Q, U or V, and the second may
// not be O.
const (
	ninoFirst  = "ABCEGHJKLMNOPRSTWXYZ"
	ninoSecond = "ABCEGHJKLMNPRSTWXYZ"
)

// ninoPrefixes lists the allocatable two-letter prefixes (without BG, GB,
// KN, NK, NT, TN and ZZ).
func ninoPrefixes() []string {
	var out []string
	for i := 0; i < len(ninoFirst); i++ {
		for j := 0; j < len(ninoSecond); j++ {
			p := string([]byte{ninoFirst[i], ninoSecond[j]})
			switch p {
			case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
				continue
			}
			out = append(out, p)
		}
	}
	return out
}

// inwardLetters are the letters used in the last two characters of a
// postcode's inward code (Royal Mail excludes C, I, K, M, O and V).
const inwardLetters = "ABDEFGHJLNPQRSTUWXYZ"
