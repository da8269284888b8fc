//! The bank of original answer fragments, interviewer questions and the small
//! talk that holds a transcript together.
//!
//! Each fragment is one to three sentences, belongs to a section of the topic
//! guide, says which staff groups could plausibly say it (a voice mask) and
//! which codes it expresses. The bank owns wording only: choosing, ordering
//! and placing fragments is the interview module's job.

use crate::codebook::*;

/// A section of the topic guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Warmup,
    Plan,
    Act,
    Monitor,
    Review,
    Closing,
    /// Fits anywhere in the body of the interview.
    Any,
}

pub(crate) const FLC: u8 = 1;
pub(crate) const NCF: u8 = 2;
pub(crate) const NCFM: u8 = 4;
pub(crate) const CM: u8 = 8;
pub(crate) const SM: u8 = 16;
/// Spoken only by the contrarian senior manager.
pub(crate) const CONTRA: u8 = 32;
const ALL: u8 = FLC | NCF | NCFM | CM | SM;
const CLIN: u8 = FLC | CM;
const FRONT: u8 = NCF | NCFM;
const FRONTLINE: u8 = FLC | NCF | NCFM;
const SENIOR: u8 = CM | SM;

/// One answer fragment. `{slot}`s are filled per interview.
#[derive(Debug)]
pub(crate) struct Fragment {
    pub(crate) section: Section,
    pub(crate) voice: u8,
    /// Only a clinically qualified speaker says this.
    pub(crate) clinical: bool,
    pub(crate) codes: &'static [&'static str],
    pub(crate) text: &'static str,
}

const fn f(
    section: Section,
    voice: u8,
    codes: &'static [&'static str],
    text: &'static str,
) -> Fragment {
    Fragment {
        section,
        voice,
        clinical: false,
        codes,
        text,
    }
}

const fn fc(
    section: Section,
    voice: u8,
    codes: &'static [&'static str],
    text: &'static str,
) -> Fragment {
    Fragment {
        section,
        voice,
        clinical: true,
        codes,
        text,
    }
}

use Section::*;

pub(crate) const FRAGMENTS: &[Fragment] = &[
    // ---- Warm-up: role and background (not coded) ----
    f(Warmup, ALL, &[], "I've been {role_a} here for about {years} years now, give or take."),
    fc(Warmup, FLC, &[], "Before this I worked in [town] for a while, and I did a couple of years in hospital before I came into general practice."),
    f(Warmup, FLC, &[], "My week is mostly clinics, with a session for paperwork and results, and I pick up the long-term conditions reviews as well."),
    fc(Warmup, FLC, &[], "I do a mixture of booked appointments and on-the-day work, and I help with the student placements when we have them."),
    f(Warmup, NCF, &[], "I started part-time when my children were small and somehow never left."),
    f(Warmup, NCF, &[], "Mornings I'm mostly on the phones, afternoons on the front desk, and in between there's scanning, prescriptions, whatever needs doing."),
    f(Warmup, NCF, &[], "Before this I worked in a shop, so dealing with the public wasn't new, but dealing with people who are poorly and worried definitely was."),
    f(Warmup, NCFM, &[], "I manage the reception and admin team, which is about twelve people, and I'm still on the desk myself a couple of mornings a week when we're short."),
    f(Warmup, NCFM, &[], "I came up through reception, so I've done every job I now ask other people to do."),
    f(Warmup, NCFM, &[], "My day is rotas, sickness, training, complaints, and whatever lands on my desk from the partners."),
    fc(Warmup, CM, &[], "I lead the nursing team, five nurses and three healthcare assistants, and I still do my own clinics, which I insist on, because otherwise you lose touch."),
    fc(Warmup, CM, &[], "Part of my role is clinical governance, so I look after the protocols and the training records, and I chair the clinical meeting."),
    f(Warmup, SM, &[], "I'm responsible for the practice as a business – finance, staffing, premises, contracts – and more and more for quality as well, whatever that means this week."),
    fc(Warmup, SM, &[], "I'm one of the partners, so alongside my clinics I've got the management side: I lead on governance and I sit on the network board."),
    f(Warmup, ALL, &[], "It's a busy practice, about eleven thousand patients, with a lot of older people and a fair bit of deprivation on the estate side."),
    f(Warmup, ALL, &[], "We moved into this building about six years ago; before that we were in the old surgery on the high street, which was falling apart."),
    f(Warmup, FRONT, &[LEARN_JOB], "Nobody really trains you for this job. You sit next to someone for a week and then you're on your own, and you learn by getting it wrong."),
    f(Warmup, NCFM, &[LEARN_JOB], "I came up through reception myself, so I know the job from the inside. That's worth more than any management course I've been sent on, to be honest."),
    // ---- Tacit and experiential knowledge ----
    fc(Plan, FLC, &[KNOW_PATIENTS], "Before clinic I'll look down the list and half the names I already know. I know who'll need longer, who'll bring a list, and who won't say what's really wrong until they've got their hand on the door."),
    f(Act, ALL, &[KNOW_PATIENTS], "You get to know the families round here. If I know the granny's just died, I'm not going to talk to her daughter the same way I would to someone I've never met."),
    f(Monitor, FRONT, &[KNOW_PATIENTS], "Some of our regulars, if they ring and they sound different, I'll notice. You can't write that down anywhere, but you just know them after a few years."),
    fc(Plan, CLIN, &[KNOW_PATIENTS], "This is quite a deprived patch, so a lot of what I plan around is knowing what people can actually manage. There's no point giving someone a plan they can't afford to follow."),
    f(Act, SENIOR, &[KNOW_PATIENTS], "When you've been in a practice this long you carry the list in your head. I could tell you which streets will be hit hardest when the flu comes round."),
    f(Any, FRONTLINE, &[KNOW_PATIENTS], "A new locum might be perfectly good, but they don't know that {patient} always underplays things. That local knowledge is a big part of quality and nobody measures it."),
    fc(Act, FLC, &[KNOW_PATIENTS, CONTINUITY], "I've known some of these families for three generations. That history makes the consultation quicker and safer, because I'm not starting from zero."),
    f(Plan, FRONT, &[KNOW_PATIENTS], "I know which patients can't manage the online form and which ones will only talk to a person. So I'll ring some of them myself rather than send a text."),
    fc(Monitor, CLIN, &[GUT], "Sometimes it's just a feeling. The obs are fine, the bloods are fine, and something still isn't right, so I'll bring them back in a couple of days rather than let it go."),
    f(Monitor, FRONT, &[GUT], "You get a sixth sense on the phones. Someone says they're fine, they just want a routine appointment, and there's something in their voice that makes you put them through to the duty doctor."),
    fc(Act, FLC, &[GUT], "I can't always explain it to a student. I'll say, “look at how he's sitting”, and they look at me as if I've made it up, but after a while they can see it too."),
    f(Monitor, ALL, &[GUT], "It's a gut thing, really. You know when a day's going well and you know when it's about to fall apart, usually before anyone else has noticed."),
    fc(Act, CM, &[GUT], "I trust my nurses' instincts. If one of them says “I'm not happy with this one”, I'd rather we look again than wait for the numbers to catch up."),
    f(Monitor, NCF, &[GUT], "Mostly it's just a feeling you get. If I hang up and I'm still thinking about the call, that usually means I should tell someone."),
    f(Act, NCF, &[GUT, RESPONSIBLE], "I had a man on the phone once who said he was fine, and I just didn't believe him. I kept on at the duty doctor until she rang him back, and he went straight into hospital."),
    f(Any, FRONT, &[LEARN_JOB], "Most of what I know I picked up by doing it. The induction covered the basics, but it was my first winter on the desk that taught me what the job actually is."),
    fc(Plan, FLC, &[LEARN_JOB], "When I qualified I thought quality meant knowing the guidelines. It took me years of clinics to learn that the guideline is the easy part."),
    f(Review, ALL, &[LEARN_JOB], "You learn from the bad days more than the good ones. I still think about something that happened in my first month, and I do things differently because of it."),
    fc(Act, CM, &[LEARN_JOB], "Half of what makes a good nurse here isn't in the competencies. You learn it from being in the room with people, day after day."),
    f(Act, FLC | SM, &[LEARN_JOB], "Nothing prepares you for the first time you're the one who has to decide. You learn more in that one afternoon than in a month of reading."),
    f(Act, FRONT, &[ASK_COLLEAGUE], "If I'm not sure, I'll lean over and ask {colleague}. She's been here twenty-odd years and she knows the answer to pretty much everything."),
    fc(Act, CLIN, &[ASK_COLLEAGUE], "I'll knock on a colleague's door between patients. Two minutes with someone you trust is often better than half an hour with the guidelines."),
    f(Monitor, ALL, &[ASK_COLLEAGUE], "There's a couple of people here whose judgement I really trust, and I'll run things past them. It's informal, but it's probably the best quality check we've got."),
    f(Plan, NCF, &[ASK_COLLEAGUE], "On a new task I'll ask whoever's done it before rather than look it up. The written instructions are usually out of date anyway."),
    f(Act, SENIOR, &[ASK_COLLEAGUE], "Even now I'll ring {colleague} at another practice when something comes up that I haven't seen before. You build up a little network of people you can ask."),
    f(Plan, FRONT, &[KNOWHOW], "There's the official way of doing things and then there's the way that actually works. You learn which doctor will squeeze someone in and which one you never ask."),
    f(Act, NCFM, &[KNOWHOW], "I know which forms go where, who to chase at the hospital, which number actually gets answered. None of that's written down and it would take a new person a year to learn."),
    f(Any, ALL, &[KNOWHOW], "A lot of how this place runs is in people's heads. When {colleague} was off for a month we realised how much she quietly did that nobody knew about."),
    f(Plan, SM, &[KNOWHOW], "I've tried to write the processes down, but the real practice is the informal stuff. People know who to go to, and that's what keeps it working."),
    fc(Act, FLC, &[KNOWHOW], "After a while you know the back routes. Which consultant's secretary will ring you back, how to get a scan moving when the system says six weeks."),
    fc(Act, FLC, &[EXPERIENCE], "The template tells you to ask twelve questions and I'll ask the three that matter for that person. I know that's not the official line, but experience tells you where to look."),
    fc(Monitor, CM, &[EXPERIENCE], "Protocols are written for the average patient and I've never met one. You have to know when to step outside them, and that only comes with time."),
    fc(Act, FLC, &[EXPERIENCE], "I've had the pathway say one thing and my experience say another, and I've gone with my experience. I document why, but I'd do it again."),
    f(Review, FLC | CM, &[EXPERIENCE], "Newer staff follow the protocol to the letter because it's all they've got. That's safe, but it's not always good care."),
    // ---- Personal standards ----
    f(Act, ALL, &[PROPERLY], "For me quality is just doing the job properly. Not rushing it, not leaving bits for someone else to pick up, finishing what you started."),
    fc(Act, FLC, &[PROPERLY], "If I'm going to do a review, I want to do it properly: check the meds, look at the bloods, actually ask how they're getting on. Otherwise what's the point?"),
    f(Act, NCF, &[PROPERLY], "I like to get things right first time. If I book something, it's booked properly, with the right person and the right length of slot, so nobody has to sort it out later."),
    f(Plan, NCFM, &[PROPERLY], "I try to set the team up so they can do things properly. That means the rota has to work and people need to know what's expected of them."),
    f(Any, ALL, &[PROPERLY], "I've always had my own standards. Nobody's checking half of what I do, but I'd know if I'd done it badly."),
    f(Act, SENIOR, &[PROPERLY], "Good enough isn't really in my vocabulary, which is probably why I'm still here at seven o'clock. I want it done right."),
    f(Act, FRONT, &[PROPERLY], "Even something small like a repeat prescription, I'll check it's gone to the right pharmacy. It takes ten seconds and it saves someone a wasted trip."),
    fc(Act, FLC, &[NO_TIME, PROPERLY], "I want to do it properly, I really do, but in ten minutes you're choosing which bit gets done properly."),
    f(Act, NCF, &[EXTRA_MILE], "Last week I rang {patient} back on my lunch break because I'd promised I'd find out about a hospital letter. It wasn't my job, strictly, but I'd said I would."),
    fc(Act, FLC, &[EXTRA_MILE], "I'll often phone people at the end of the day just to see how they are. It's not on any list, nobody asks me to, but it's the bit of the job I'm proudest of."),
    f(Act, ALL, &[EXTRA_MILE], "Most of us do things that aren't in the job description. Dropping a prescription round to someone's house on the way home, that sort of thing."),
    f(Act, NCFM, &[EXTRA_MILE], "My team go above and beyond every single day. I see them staying late to sort out someone's referral when they could have just left it for tomorrow."),
    f(Review, FLC | NCF, &[EXTRA_MILE], "I know I shouldn't, but I'll stay late to finish things off. I couldn't go home knowing someone was left waiting because of me."),
    f(Act, FRONTLINE, &[EXTRA_MILE, NO_TIME], "I stay behind to finish off because there's no time in the day itself. It's the only way I can do it the way I want."),
    f(Closing, ALL, &[PRIDE], "I'm proud of what we do here, I really am. People moan about the health service, but I see good work every single day."),
    f(Review, SM, &[PRIDE], "When we got good results in the patient survey, I printed them out and put them up in the staff room. People need to see that what they do matters."),
    f(Closing, FRONT, &[PRIDE], "It's a hard job, but I go home most days feeling like I've helped somebody. That's what keeps me coming back, to be honest."),
    fc(Review, FLC, &[PRIDE], "There's a real satisfaction in a clinic that's gone well. Everyone seen, nobody rushed, and you know you've done a decent job."),
    f(Any, CM, &[PRIDE], "I'm proud of my team. They'd never say it themselves, but the standard of care here is genuinely high."),
    f(Closing, ALL, &[PRIDE], "It matters to me that this place has a good name in [town]. I don't want people saying “oh, that practice” in that tone of voice."),
    f(Closing, SM, &[PRIDE], "For all the moaning, we've built something good here. I'd put this team up against anyone's."),
    fc(Act, FLC, &[RESPONSIBLE], "Once someone's been in my room, they're my responsibility. I'll follow up the result myself rather than hope someone else picks it up."),
    f(Monitor, NCF, &[RESPONSIBLE], "If a message doesn't get to the doctor, that's on me. So I'll check, and I'll check again, because I know what happens if it gets lost."),
    f(Any, ALL, &[RESPONSIBLE], "You feel responsible, don't you? Even when it's the system that's failed, you're the face of it and you're the one who has to put it right."),
    f(Act, SENIOR, &[RESPONSIBLE], "In the end the buck stops with me. If something goes wrong on my watch, I'm the one who has to look the family in the eye."),
    fc(Monitor, FLC, &[RESPONSIBLE], "I carry my patients around in my head at night sometimes. The ones with a result outstanding, the ones I wasn't quite sure about."),
    f(Act, NCFM, &[RESPONSIBLE], "If my team get something wrong, I see that as my failure, not theirs. I should have trained them better or spotted it sooner."),
    f(Act, NCF, &[GOLDEN_RULE], "I always think, how would I want my mum to be spoken to? If I keep that in my head, I'm not going to go far wrong."),
    f(Act, ALL, &[GOLDEN_RULE], "Everyone who walks through that door is somebody's someone. I try to treat them how I'd want to be treated if I was the one sat there feeling rubbish."),
    fc(Act, FLC, &[GOLDEN_RULE], "It's basic respect, really. Introduce yourself, look at them, not at the screen, and explain what you're doing."),
    f(Act, NCFM, &[GOLDEN_RULE], "I tell new starters, treat every caller like they're your own family. Some days that's hard, but it's the standard I hold myself to as well."),
    f(Any, SENIOR, &[GOLDEN_RULE], "Quality, to me, is would I be happy for my own family to be seen here. If the answer's no, then we've got work to do."),
    fc(Act, FLC, &[GUILT], "When I've had to rush someone I go home feeling awful. You know you didn't give them what they needed and there's nothing you can do about it at that point."),
    f(Act, NCF, &[GUILT], "I hate having to say no. When there's no appointments left and someone's crying on the phone, it stays with me for the rest of the day."),
    f(Review, ALL, &[GUILT], "There's a lot of guilt in this job. You're always aware of the things you didn't quite get to."),
    f(Act, FRONTLINE, &[GUILT], "I know I've cut things short, and I don't feel good about it. That's not why I came into this."),
    f(Monitor, NCFM, &[GUILT], "Sometimes I feel like I'm letting my team down. I can see they're stretched and I can't always give them what they need."),
    fc(Review, FLC, &[GUILT], "I lie awake sometimes going over a consultation. Did I miss something, should I have examined her? That feeling never really goes away."),
    f(Act, FRONTLINE, &[NO_TIME, GUILT], "There's never enough time and it eats away at you. You go home thinking about the person you hurried out of the door."),
    // ---- Co-producing quality with patients ----
    fc(Act, FLC, &[LISTENING], "I always try to ask what they're hoping to get out of today. Half the time it's nothing to do with what's on the screen."),
    fc(Act, CLIN, &[LISTENING], "Good care is finding out what matters to them. For one man it was being well enough to walk his dog, and that changed the whole conversation about his medication."),
    f(Act, NCF, &[LISTENING], "Sometimes people just need someone to listen for two minutes. They ring about a prescription but really they're lonely, and you can hear it."),
    fc(Plan, FLC, &[LISTENING], "I've stopped going in with an agenda. I used to have my list of things to cover, and now I start by asking what they want to talk about."),
    fc(Monitor, CLIN, &[LISTENING], "You know it's gone well when the patient tells you something they haven't told anyone else. That only happens if they feel listened to."),
    fc(Act, FLC, &[LISTENING], "You have to let them tell the story in their own way. If I interrupt after thirty seconds I've probably missed the thing they came in for."),
    fc(Act, FLC, &[TARGETS, LISTENING], "I'm meant to be getting through the template but she wants to talk about her son. I'll go with her and do the boxes after she's gone."),
    fc(Act, FLC, &[SHARED_DECISION], "I'll lay out the options and we decide together. Some people want me to just tell them, and that's fine too, but it should be their choice."),
    fc(Act, CLIN, &[SHARED_DECISION], "With the diabetes reviews, I used to set the targets. Now we agree them together, and funnily enough people actually stick to them more."),
    fc(Act, FLC, &[SHARED_DECISION], "It's their body and their life. My job is to give them the information in a way that makes sense and then respect what they decide, even if I'd have chosen differently."),
    fc(Plan, CM, &[SHARED_DECISION], "We've been trying to get the nurses to do care planning with people rather than for them. It takes longer at first, but the plans actually get used."),
    fc(Review, FLC, &[SHARED_DECISION], "I had a lady who didn't want the statin, and a few years ago I'd have pushed. We talked it through and she decided against it, and I think that was a good consultation."),
    fc(Act, FLC, &[CONTINUITY], "Seeing the same people over years is where quality really lives. I don't have to start from scratch every time; we pick up where we left off."),
    f(Plan, NCF, &[CONTINUITY], "I'll always try to book people in with the doctor they normally see. They don't have to tell their story all over again, and the doctor knows what's been tried."),
    fc(Any, CLIN, &[CONTINUITY], "Continuity's the first thing to go when we're busy. Everyone gets whoever's free, and you lose that thread."),
    f(Plan, FRONT, &[CONTINUITY], "Some patients will wait two weeks to see their own GP rather than see someone new tomorrow. I've learned to ask them which they'd prefer."),
    fc(Any, SM, &[CONTINUITY], "When I started, you had your own doctor for life. We've lost a lot of that, and I think patients feel it, even if they couldn't tell you what's missing."),
    f(Act, NCF, &[EXPECTATIONS], "People ring at eight o'clock expecting to see a doctor that morning, and I understand why, but we just haven't got it. A lot of my job is explaining what we can actually offer."),
    fc(Act, FLC, &[EXPECTATIONS], "Some people come in wanting antibiotics and it's a negotiation. You have to explain why not without making them feel stupid for asking."),
    f(Act, NCFM, &[EXPECTATIONS], "We've had patients shouting at the desk because they've waited three weeks. You try to calm it down and explain the system, but you can see their point."),
    f(Any, SM, &[EXPECTATIONS], "Patient expectations have shifted. People compare us to ordering something online and getting it tomorrow, and healthcare doesn't work like that."),
    f(Act, FRONT, &[EXPECTATIONS], "I'd rather be honest than promise something we can't do. If I say the doctor will ring before lunch and she doesn't, that's worse than saying it might be three o'clock."),
    fc(Act, CLIN, &[SAFETY_NETTING], "I always tell people what to look out for and what to do if it gets worse. That way they're part of keeping themselves safe, not just waiting for me."),
    fc(Act, FLC, &[SAFETY_NETTING], "Safety-netting is half the consultation, really. “If this happens, ring us; if that happens, go straight to A&E” – and then I check they've understood."),
    fc(Act, CM, &[SAFETY_NETTING], "We give people written information to take away now, because in the room they remember about a third of what you say."),
    fc(Monitor, FLC, &[SAFETY_NETTING], "I'll say to people, if you haven't heard about your results in a week, chase us. It shouldn't be their job, but it's a second pair of eyes."),
    f(Monitor, SM, &[PATIENT_FEEDBACK], "We look at the friends and family comments every month. Most of it's lovely, some of it's hard to read, but it tells you things you wouldn't otherwise hear."),
    f(Monitor, NCF, &[PATIENT_FEEDBACK], "You know you've done well when they come back and say thank you. We had a box of chocolates last week from a family whose dad had been really ill."),
    fc(Monitor, FLC, &[PATIENT_FEEDBACK], "Patients tell you, if you let them. Not on the forms necessarily, but in the way they come back, or don't come back."),
    f(Monitor, NCFM, &[PATIENT_FEEDBACK], "The complaints hurt, but I read every one. Usually there's something in there we can fix, even if it's not what they're actually complaining about."),
    f(Monitor, ALL, &[PATIENT_FEEDBACK], "The only real measure is what the patients say. If they feel they've been looked after, that's quality, whatever the numbers show."),
    fc(Review, CM, &[PATIENT_FEEDBACK], "We had a complaint about how a nurse explained a result, and it was fair. We used it in the team meeting to talk about how we give bad news."),
    // ---- Efficiency pressure ----
    fc(Act, FLC, &[NO_TIME], "Ten minutes is nothing. By the time they've sat down and I've read the notes there's maybe six minutes left for someone with four different problems."),
    f(Act, NCF, &[NO_TIME], "The phones start at eight and they don't stop. There's no time to do anything properly; you're just getting through the queue."),
    f(Act, FRONTLINE, &[NO_TIME], "There just isn't the time. I know what good looks like, I just can't do it for everybody, every day."),
    fc(Plan, FLC, &[NO_TIME], "I plan for the day to go one way and by half nine I'm running twenty minutes late. You spend the rest of the day trying to catch up."),
    f(Act, NCFM, &[NO_TIME], "My team have got about thirty seconds a call if we're going to get through everyone. That's not a conversation, that's a transaction."),
    f(Review, FRONTLINE, &[NO_TIME], "There's no time to think about whether you did it well. You finish one thing and the next one's already waiting."),
    fc(Act, CM, &[NO_TIME], "The nurses tell me all the time they haven't got long enough with people. And they're right; we've cut appointment lengths to keep up with demand."),
    f(Plan, FRONT, &[NO_TIME], "I start every shift knowing I won't get through it all. It's just a case of what gets left."),
    f(Any, FRONTLINE, &[NO_TIME], "Everything's a rush. You're always one step behind, and you can't give anybody your full attention."),
    f(Plan, NCF, &[DEMAND], "By quarter past eight every appointment for the day is gone. Then it's just telling people to ring back tomorrow."),
    f(Plan, SM, &[DEMAND], "Demand has gone up every single year I've been here and the number of clinicians hasn't. Something has to give, and usually it's the quality of the contact."),
    f(Act, FLC, &[DEMAND], "There are more patients, they're older, they've got more wrong with them, and there's the same number of us. It doesn't add up."),
    f(Plan, NCFM, &[DEMAND], "I look at the numbers at the start of the week and we're already short by about forty appointments. You can't plan your way out of that."),
    f(Any, FRONTLINE, &[DEMAND], "It never lets up. Winter used to be the busy time; now every month feels like winter."),
    f(Plan, CM, &[DEMAND], "I'm forever trying to match the clinics to the demand, and the demand always wins."),
    f(Act, NCF, &[DEMAND, CORNERS], "When there's forty people waiting, something has to go, and it's usually the checking. I hate it, but that's the reality."),
    fc(Act, FLC, &[TARGETS], "Half the template is there for the targets, not the patient. I'm clicking boxes while they're trying to tell me about their husband."),
    f(Monitor, FLC, &[TARGETS], "We get paid for hitting certain numbers, so of course those things get done. Whether they're the things that matter most to the patient is another question."),
    f(Monitor, NCFM, &[TARGETS], "Everything's measured by how fast we answer the phone. Nobody measures whether the person on the other end got what they needed."),
    f(Any, FRONTLINE, &[TARGETS], "Sometimes it feels like the job is ticking boxes. As long as the box is ticked it counts, even if the care wasn't great."),
    fc(Monitor, CM, &[TARGETS], "The targets have their place, but I worry the nurses see them as the job. A good review isn't the same as a complete template."),
    f(Act, FRONTLINE, &[CORNERS], "You cut corners. Not on anything dangerous, but the little extras, the explaining, the checking they've understood – that's what goes first."),
    f(Act, NCF, &[CORNERS], "If it's really busy I won't read the whole message back to them. I know I should, but there's twelve people in the queue."),
    fc(Act, FLC, &[CORNERS], "I'll deal with the main problem and tell them to book again for the rest. It's not ideal and I know it, but it's that or run an hour late."),
    f(Act, NCFM, &[CORNERS], "I've seen the team skip steps when they're under pressure, and I can't honestly blame them. I'd probably do the same."),
    f(Review, FRONT, &[CORNERS], "Things get missed when it's manic. A scan report goes in the wrong tray, a call doesn't get logged, and nobody notices until the patient rings back."),
    f(Plan, SM, &[SHORT_STAFFED], "We've had two nurse vacancies for nearly a year. You can't deliver good care with gaps like that; you just patch the rota and hope."),
    f(Plan, NCFM, &[SHORT_STAFFED], "If one person rings in sick on a {day}, the whole day falls apart. There's no slack in the system at all."),
    f(Act, NCF, &[SHORT_STAFFED], "Some days there's two of us on the desk when there should be four. You do what you can, but people notice."),
    f(Any, FLC, &[SHORT_STAFFED], "We rely on locums a lot, and they're fine, but they don't know the patients. It's not the same."),
    f(Plan, CM, &[SHORT_STAFFED], "Sickness and vacancies are the biggest threat to quality here. Everything else I can work with."),
    f(Act, FRONT, &[SHORT_STAFFED, CORNERS], "When we're two down, things slip. You skip the call-backs, you leave the scanning, and you hope nothing important's in the pile."),
    fc(Act, FLC, &[PAPERWORK], "I probably spend two hours a day on paperwork. Letters, results, forms for this and that – it's two hours I'm not seeing anyone."),
    f(Act, NCF, &[PAPERWORK], "The scanning and coding alone could be a full-time job. It piles up, and then something important's buried at the bottom."),
    f(Plan, NCFM, &[PAPERWORK], "Every new initiative brings another form. Nobody ever takes one away."),
    f(Act, SENIOR, &[PAPERWORK], "The amount of evidence we have to produce for everything is ridiculous. I spend more time proving we do things than doing them."),
    f(Act, NCF, &[INTERRUPTIONS], "You're on the phone, someone's at the desk, a doctor's asking you to chase something. You're doing three things at once and none of them as well as you'd like."),
    f(Act, FLC, &[INTERRUPTIONS], "I get interrupted constantly. A prescription query, a question from reception, a call from the pharmacy – and each one breaks your train of thought."),
    f(Act, NCFM, &[INTERRUPTIONS], "I never get through my own list. I'll sit down to do the rota and I'll be pulled out to the desk five times in an hour."),
    f(Act, FRONT, &[INTERRUPTIONS], "There's always someone needing something. You learn to hold about six things in your head at once, but that's when mistakes happen."),
    // ---- Reflective space ----
    f(Review, SM, &[PROTECTED_TIME], "We close for an afternoon once a month for training. It's hard to justify when the phones are ringing, but it's the only time everyone's in the same room."),
    f(Review, CM, &[PROTECTED_TIME], "I've fought hard for protected time for the nurses. An hour a month doesn't sound much, but it's the only time they get to step back and look at their practice."),
    fc(Review, FLC, &[PROTECTED_TIME], "When we had the protected learning afternoons I actually felt like I was getting better at my job. Since they stopped it's just been getting through."),
    f(Plan, SM, &[PROTECTED_TIME], "If we want quality, we have to build in time to think. I'd rather lose a few appointments than have a team that never stops to look at what it's doing."),
    f(Review, NCFM, &[PROTECTED_TIME], "I try to give my team half an hour on a {day} afternoon when it's quieter. It doesn't always happen, but when it does it makes a real difference."),
    f(Review, SENIOR, &[PROTECTED_TIME, MEETINGS], "The protected afternoon is when we actually learn from each other. We go through cases, share what's worked, and people leave with something."),
    f(Review, ALL, &[MEETINGS], "The practice meeting is where you find out what everyone else is dealing with. Sometimes just hearing that someone else has the same problem helps."),
    fc(Review, CM, &[MEETINGS], "At our clinical meeting we'll bring a tricky case and talk it through. Everyone learns from it, not just the person who saw the patient."),
    f(Review, SM, &[MEETINGS], "We've changed the monthly meeting so it's less about announcements and more about learning. Each time, someone brings something that went well or didn't."),
    f(Review, NCFM, &[MEETINGS], "The team huddle on a Monday morning is short, ten minutes, but it's where we sort out the little things before they become big things."),
    f(Review, SM, &[SEA], "When something goes wrong we do a significant event review. The point isn't blame, it's working out what we'd do differently, and I think people are starting to believe that."),
    fc(Review, CM, &[SEA], "We had a missed diagnosis last year and the review was painful. But we changed how we handle abnormal results, and that wouldn't have happened otherwise."),
    fc(Review, FLC, &[SEA], "I've written up a couple of significant events myself. It's uncomfortable, but talking it through with the team was more helpful than I expected."),
    f(Review, NCFM, &[SEA], "We did an event review about a message that never got passed on. It turned out three people had each assumed someone else had done it."),
    f(Review, NCF, &[SEA], "I was involved in a significant event once and I was terrified I'd be in trouble. Actually they were really supportive, and we changed the process afterwards."),
    f(Review, SENIOR, &[SEA, MEETINGS], "Every significant event comes to the practice meeting, and we go round the room. The receptionists often see things the doctors have completely missed."),
    fc(Review, FLC, &[DEBRIEF], "The best reflection happens over a cup of tea at the end of the day. You say “I saw someone odd this morning” and someone else says “oh, I've seen that before”."),
    f(Review, FRONT, &[DEBRIEF], "After a really horrible call we'll have a quick word in the back office. It's not official, but it helps you let it go before the next one."),
    f(Review, FLC | CM, &[DEBRIEF], "There's a lot of corridor conversation. It's where the real learning happens, far more than in the formal meetings."),
    f(Review, ALL, &[DEBRIEF], "We look out for each other. If someone's had a tough one, someone will notice and make them a drink and let them talk."),
    f(Review, NCFM, &[DEBRIEF], "I make a point of checking in with the team at the end of a shift. Just five minutes – how did it go, anything I need to know."),
    f(Review, FRONT, &[NO_STEP_BACK], "We don't really have meetings for reception. If something changes you find out from a note on the screen, and that's about it."),
    fc(Review, FLC, &[NO_STEP_BACK], "Reflection? Honestly, there's no space for it. The appraisal asks for reflective notes and I write them at eleven o'clock at night."),
    f(Review, NCF, &[NO_STEP_BACK], "There's never a chance to stop and think about how it went. The day ends, you go home, and it starts again tomorrow."),
    f(Review, NCFM, &[NO_STEP_BACK], "I'd love to sit down with my team and look at what's working. But the minute we're all off the phones, the phones don't get answered."),
    f(Review, FRONTLINE, &[NO_STEP_BACK], "Everyone's too busy to learn anything. We make the same mistakes over and over because nobody has time to work out why."),
    f(Review, FRONTLINE, &[NO_STEP_BACK, NO_TIME], "We never stop long enough to look back. It's one thing after another, all day, and reflection is a luxury we don't have."),
    fc(Review, FLC, &[APPRAISAL], "My appraisal is the one time a year someone asks me how I'm doing clinically. It's useful, but it's a long time between conversations."),
    fc(Review, CM, &[APPRAISAL], "I do clinical supervision with each of the nurses. It's where we talk about the difficult stuff, the cases that stay with you."),
    f(Review, FRONT, &[APPRAISAL], "We have appraisals, but they're mostly about training and annual leave. Nobody really asks whether you think you're doing a good job."),
    f(Review, SM, &[APPRAISAL], "I've tried to make appraisals more of a conversation: what's gone well, what you're struggling with, what would help."),
    f(Review, ALL, &[SELF_REVIEW], "On the drive home I go back over the day. What went well, what I'd do differently – it's just habit now."),
    fc(Review, FLC, &[SELF_REVIEW], "I keep a little notebook of things that surprised me. Every few weeks I look back at it and see if there's a pattern."),
    f(Review, NCF, &[SELF_REVIEW], "I'll think about it afterwards if a call didn't go well. Could I have said it differently, calmed them down sooner?"),
    f(Review, SENIOR, &[SELF_REVIEW], "I try to ask myself at the end of each week what I actually got done that mattered. Not the emails, the things that made a difference."),
    // ---- Systems and rules ----
    f(Monitor, SM, &[DATA], "I have a dashboard that I look at every Monday: appointments used, waiting times, how many calls we answered within three minutes. It tells me where to look."),
    f(Monitor, CM, &[DATA], "We run searches every month for people overdue their reviews. If the numbers start to creep up, I know the clinics aren't keeping pace."),
    f(Monitor, SM, &[DATA], "You can't manage what you don't measure. I know people roll their eyes at that, but the data shows me problems long before anyone complains."),
    f(Monitor, NCFM, &[DATA], "I check the call stats every afternoon. If the abandoned calls go over a certain level I'll pull someone off admin and put them on the phones."),
    f(Monitor, SM, &[DATA], "We benchmark ourselves against the other practices in the network. If we're an outlier on something, that's a conversation we need to have."),
    fc(Monitor, FLC, &[DATA], "I look at my own prescribing data now and again. It's quite humbling, actually, seeing where you sit compared with everyone else."),
    f(Monitor, SENIOR, &[DATA], "The data gives us a shared picture. Without it, everyone's got their own story about how things are going."),
    f(Monitor, SM, &[DATA], "Every quarter I pull the figures together for the partners – access, referrals, reviews done, complaints. It's the closest thing we have to a health check for the practice."),
    f(Monitor, SENIOR, &[DATA, AUDIT], "The monthly figures go to the clinical meeting, and if something looks off we'll pick it up as an audit."),
    f(Act, ALL, &[PROTOCOLS], "We've got a protocol for nearly everything now. It means everyone does it the same way, which is safer, even if it's a bit rigid sometimes."),
    f(Act, NCF, &[PROTOCOLS], "There's a flowchart by the phone for what counts as urgent. If someone says chest pain, I don't think about it; they go straight through."),
    fc(Act, FLC, &[PROTOCOLS], "The guidelines are a good starting point. I'd be worried about someone who never used them."),
    fc(Plan, CM, &[PROTOCOLS], "I write most of the nursing protocols. The aim is that a new nurse could pick one up and do a safe review on day one."),
    f(Plan, SM, &[PROTOCOLS], "Our policies are all on the shared drive and they get reviewed every year. Whether everyone reads them is another matter."),
    f(Monitor, SM, &[INSPECTION], "When the inspectors came, it was all hands on deck for about six weeks. We got a good rating, but I'm not sure it told them much about what it's like to be a patient here."),
    f(Plan, SM, &[INSPECTION], "A lot of what we do on paper is for the regulator. You've got to have the evidence, whether or not it changes anything."),
    f(Any, CM, &[INSPECTION], "The inspection focuses everyone's mind. It's a pain, but it's made us tidy up some things that needed tidying."),
    f(Any, NCFM, &[INSPECTION], "Before the inspection we had to check every fridge log and every training certificate going back two years. It felt like a different job for a month."),
    f(Act, NCF, &[IT_SYSTEM], "The system decides a lot of what we do. If there's no slot on the screen, there's no appointment, whatever the patient needs."),
    fc(Act, FLC, &[IT_SYSTEM], "The computer's always there between you and the patient. Pop-ups, alerts, templates – I spend half the consultation looking at it."),
    f(Plan, NCFM, &[IT_SYSTEM], "When they changed the phone system, everything changed. The queue's visible now, so the pressure to answer quickly is right there on the wall."),
    f(Act, FRONTLINE, &[IT_SYSTEM], "Half the problems we have are the IT. It freezes, it logs you out, it loses a document, and then you're the one apologising."),
    f(Monitor, SM, &[IT_SYSTEM], "The new online consultation tool has changed the whole front door. We're still working out whether it helps or just adds another queue."),
    fc(Monitor, SM, &[AUDIT], "We audit something every quarter – antibiotics, referrals, whatever's topical – and feed it back at the clinical meeting. It's not glamorous, but it works."),
    fc(Monitor, CM, &[AUDIT], "I did an audit of our wound care and it was eye-opening. We thought we were doing well and we were about middling."),
    fc(Review, FLC, &[AUDIT], "The audit results are useful when they come back quickly. If it's six months later, I've forgotten what I was doing differently."),
    f(Monitor, NCFM, &[AUDIT], "We audit the call recordings now, just a handful a month. We play them back together and talk about what went well."),
    f(Act, ALL, &[RULES_NET], "The rules are there for when you're tired or busy. On a good day you don't need them; on a bad day they stop you making a mistake."),
    f(Act, NCF, &[RULES_NET], "I like having the rules, actually. If I'm not sure, I can fall back on them and I know I've done the right thing."),
    fc(Act, CM, &[RULES_NET], "Checklists feel patronising until the day they catch something. We had one catch a wrong dose last year."),
    f(Plan, SM, &[RULES_NET], "The procedures protect people. If something goes wrong and they followed the procedure, the practice stands behind them."),
    // ---- The contrarian senior manager (Interviewee 14) ----
    f(Monitor, CONTRA, &[DATA, KNOW_PATIENTS], "Honestly, the dashboards tell me less than twenty years of knowing these families does. I look at the numbers because I have to, but I wouldn't run the place by them."),
    f(Monitor, CONTRA, &[TARGETS], "Everyone says the targets get in the way. Without them, half the reviews wouldn't happen at all, so I'm less down on them than most of my colleagues."),
    f(Act, CONTRA, &[NO_TIME], "I don't actually think time is the main problem. We've had quieter spells and the quality didn't magically go up; it's how we organise ourselves."),
    f(Review, CONTRA, &[EXPERIENCE], "People say the protocols are what keep us safe. I'm not sure – I think it's experienced people who know when to ignore them."),
    f(Review, CONTRA, &[PROTECTED_TIME], "Everyone asks for protected time, but I've watched those afternoons turn into admin catch-up. Reflection has to happen inside the work, not in a meeting room."),
    f(Monitor, CONTRA, &[DATA], "The numbers look after themselves if the people are right. I'd rather spend an hour with a struggling receptionist than an hour with a spreadsheet."),
    // ---- Not coded: anecdote, context and asides ----
    f(Any, ALL, &[], "It was a {day}, I think, and the heating had broken the day before, so everyone was already a bit frazzled."),
    f(Any, ALL, &[], "I remember that one quite clearly, actually."),
    f(Any, ALL, &[], "There's been a lot of change in the last couple of years – new staff, new systems, the network."),
    f(Any, ALL, &[], "It's different in every practice, I think; it depends who's in charge."),
    f(Any, ALL, &[], "We had a student with us last year who asked me the same thing, and I didn't know what to say then either."),
    f(Any, ALL, &[], "That probably sounds a bit naïve, but I do believe it."),
    f(Any, ALL, &[], "It's a bit of a cliché, but it's true."),
    f(Any, ALL, &[], "The car park's a nightmare, by the way, if you're coming back – you're better off parking by the café on the corner."),
    f(Any, ALL, &[], "My husband says I should write a book about this place one day."),
    f(Any, ALL, &[], "I'm not sure I've got a neat answer for you."),
    f(Any, ALL, &[], "It was before the new building, so it must have been six or seven years ago."),
    f(Any, ALL, &[], "I've probably said this already, but it's the people that make it."),
    f(Monitor, ALL, &[], "I suppose it depends what you mean by monitoring."),
    f(Plan, ALL, &[], "I wouldn't say I'm a great planner, to be fair."),
    f(Plan, ALL, &[], "I'm a list person, so there's always a list, even if half of it ends up crossed out and moved to tomorrow."),
    f(Plan, FRONT, &[], "The rota's done weeks ahead, so I know where I'll be, but not what kind of day it'll be."),
    fc(Plan, CLIN, &[], "I get in about half an hour early to look at the list and the results that came in overnight."),
    f(Plan, SENIOR, &[], "My diary is mostly meetings, and I block out a couple of mornings to actually think."),
    f(Act, ALL, &[], "It changes from day to day, which is partly why I like it."),
    f(Act, FRONT, &[], "Mondays are the worst; everyone's been saving it up over the weekend."),
    f(Monitor, ALL, &[], "It's not something I'd ever really thought about until you asked."),
    f(Review, ALL, &[], "I think we're better at it than we were, but there's a long way to go."),
    f(Review, ALL, &[], "It's funny, it's only when you say it out loud that you realise."),
    f(Any, ALL, &[], "I've worked in two other practices and this one's different again – every place has its own way of doing things."),
    f(Any, FRONT, &[], "People think reception is just answering the phone, but you're the first person anyone talks to when they're worried."),
    f(Any, FRONT, &[], "There's a little kitchen at the back where we go when it gets too much, even if it's just for two minutes."),
    fc(Any, CLIN, &[], "I still do some of the baby clinics, which I love; it's nice to see people when they're well for a change."),
    f(Any, SENIOR, &[], "A lot of my week is spent on things the patients never see – contracts, buildings, staffing."),
    f(Any, NCFM, &[], "I sit in the middle, really, between the partners and the team, and sometimes I get it from both sides."),
    f(Act, ALL, &[], "It's not glamorous, most of it."),
    f(Act, ALL, &[], "Some days you're firefighting from the minute you walk in."),
    f(Plan, ALL, &[], "It's different at the start of the week from the end; Fridays have their own rhythm."),
    f(Plan, FRONT, &[], "I check the screen first thing to see who's in and who's off, and then I know what kind of day it's going to be."),
    fc(Plan, CLIN, &[], "I look at who's booked in and try to spot the ones that are going to be complicated."),
    f(Plan, SENIOR, &[], "Most weeks I start with a list on a Sunday night, which my partner hates."),
    f(Monitor, ALL, &[], "I don't think anyone's ever asked me that directly before."),
    f(Monitor, ALL, &[], "There's the official way of knowing and then there's just looking around the room."),
    f(Review, ALL, &[], "I'm better at it than I used to be, I think."),
    f(Review, ALL, &[], "If I'm honest, it depends how tired I am."),
    f(Review, FRONT, &[], "Sometimes we go to the pub on a Friday and it all comes out there, which probably isn't ideal."),
    fc(Review, CLIN, &[], "I try to do my reflective notes every few weeks, though they tend to bunch up before appraisal."),
    f(Any, SENIOR, &[], "When I took this job I thought I'd spend my time on strategy. In reality it's mostly problem-solving, one thing after another."),
    f(Any, SM, &[], "We're part of a network of six practices now, which brings money and meetings in roughly equal measure."),
    f(Any, SENIOR, &[], "I came into management sideways, really; nobody plans to end up doing this."),
    f(Any, CM, &[], "I still think of myself as a nurse first and a manager second, whatever my job title says."),
    f(Any, SENIOR, &[], "There's a lot of change coming from outside – new contracts, new roles, new ways of paying for things – and we have to absorb all of it."),
    f(Plan, SENIOR, &[], "I block out Wednesday afternoons for the things that never get done, and about half the time it survives."),
    f(Plan, SM, &[], "The partners meet every fortnight, and most of what I plan hangs off that meeting."),
    f(Plan, CM, &[], "I plan the nursing clinics about eight weeks ahead, around the flu season and the reviews that fall due."),
    f(Act, SENIOR, &[], "A good day for me is one where nobody needs me, which doesn't happen very often."),
    f(Act, SM, &[], "My door's open, literally; I think that matters more than people realise."),
    f(Act, CM, &[], "I'll walk round the treatment rooms first thing, just to see how everyone is and whether anything's brewing."),
    f(Monitor, SENIOR, &[], "You pick things up just by walking through reception at the right moment."),
    f(Monitor, SM, &[], "Half of what I know about how the practice is doing I learn in the kitchen at lunchtime."),
    f(Monitor, CM, &[], "I can usually tell from the noise in the corridor what kind of morning it's been."),
    f(Review, SENIOR, &[], "We're better at celebrating things than we used to be, which sounds trivial but isn't."),
    f(Review, SM, &[], "I write a short note to the partners every quarter on what's gone well and what hasn't."),
    f(Review, CM, &[], "Once a year I sit down with the nursing team and we look back at the year together, over cake, which helps."),
    f(Act, ALL, &[], "You'd be amazed how much of the day goes on things that aren't on anyone's list."),
    f(Any, ALL, &[], "I'm not sure I'm the best person to ask about that, but I'll try."),
    f(Any, ALL, &[], "It's a lovely team, honestly, even on the bad days."),
    f(Any, ALL, &[], "It's changed so much since I started that I sometimes forget what it used to be like."),
    f(Monitor, ALL, &[], "I think you just get a feel for it over time."),
    f(Review, ALL, &[], "We probably don't do enough of it, if I'm honest."),
    f(Plan, ALL, &[], "Planning's a bit of a grand word for it, really."),
    f(Closing, ALL, &[], "No, I think we've covered it. It's been quite nice to think about it, actually – you don't often get asked."),
    f(Closing, ALL, &[], "Only that I hope something comes of it. People are tired, and it would be good if someone listened."),
    f(Closing, ALL, &[], "I don't think so. Maybe just that quality isn't one thing; it depends where you're sitting."),
];

/// Short uncoded remarks that follow a point: one use each per interview.
pub(crate) const ASIDES: &[&str] = &[
    "That's not a one-off, either; it's most weeks.",
    "I'd say that's true of most people here, not just me.",
    "It's been like that for as long as I've been here.",
    "From what I hear, it's the same in most practices.",
    "{colleague} would probably tell you the same thing.",
    "It was worse during covid, obviously, but it's never really gone back to how it was.",
    "Maybe I'm wrong, but that's how it feels from where I sit.",
    "I don't think anyone would disagree with that here.",
    "I've thought about that a lot, actually.",
    "Some days more than others, obviously.",
    "It sounds small, but it adds up.",
    "And it's not just me – we all do it.",
    "I'm not saying it's perfect, mind.",
    "It's one of those things you don't notice until it's gone.",
    "That's the honest answer, anyway.",
    "I'd never really put it like that before.",
    "My old manager used to say the same thing.",
    "You'd be surprised how often that happens.",
    "It's not something they teach you.",
    "That's changed a lot in the last few years.",
    "I probably wouldn't have said that when I started.",
    "It's hard to explain to people outside.",
    "There's no magic to it, really.",
    "And that's on a good day.",
    "I don't know if other people see it that way.",
    "It's the little things, isn't it?",
    "That's what I keep coming back to.",
    "We've talked about it as a team, but nothing's really changed.",
    "It's a balance, I suppose.",
    "I think most patients would be surprised by that.",
    "You just get on with it, don't you?",
    "I think about that more than I probably should.",
    "It's not rocket science, but it matters.",
    "I've seen it go both ways, to be fair.",
    "That surprised me when I first started.",
    "Which is a shame, really.",
    "Nobody would ever see that from the outside.",
    "It's got better since we moved, if I'm honest.",
    "I know it sounds like a cliché.",
    "It probably sounds silly, saying it out loud.",
    "There's always a trade-off somewhere.",
    "I'm sure you've heard that from other people too.",
    "It's a question of priorities, really.",
    "It depends on the day, and on who's in.",
    "That's the part nobody sees.",
    "My family think I'm mad for caring this much.",
    "It's not in any job description I've ever seen.",
    "That's the bit I'd want you to write down.",
];

/// Openings of uncoded anecdotes (shared by everyone).
pub(crate) const STORY_SETTINGS: &[&str] = &[
    "One {day} last winter",
    "Just before Christmas",
    "A few weeks ago",
    "Back in the spring",
    "The week the phones went down",
    "Last summer, when half the team were on holiday",
    "Quite early on when I was here",
    "Not that long ago",
    "The day after the bank holiday",
];

/// The middle of an anecdote, by who could tell it.
pub(crate) const STORY_EVENTS: &[(u8, &str)] = &[
    (NCF | NCFM, "a man came to the desk in tears because his wife's hospital letter had gone to the wrong address"),
    (NCF | NCFM, "we had a queue out of the door before we'd even opened"),
    (NCF | NCFM, "a lady rang eleven times in one morning trying to get a call back"),
    (NCF | NCFM, "the system went down at half eight and we were booking on paper all morning"),
    (NCF | NCFM, "a young lad collapsed in the waiting room and we had to clear the area"),
    (NCF | NCFM, "someone left a card for the whole reception team, which almost never happens"),
    (NCF | NCFM, "the prescription printer jammed and we had forty people waiting for scripts"),
    (NCF | NCFM, "a mum brought her baby to the desk because she couldn't get through on the phone"),
    (NCF, "a gentleman shouted at me because we'd sent him a text he couldn't read"),
    (FLC | CM, "I saw a woman I'd known for years who suddenly just wasn't herself"),
    (FLC | CM, "I had three housebound visits and a full clinic on the same afternoon"),
    (FLC | CM, "a student sat in with me and asked why I'd done something differently from the guideline"),
    (FLC | CM, "a man came in about his knee and left with an urgent referral for something else entirely"),
    (FLC | CM, "I had a run of difficult conversations about the end of life in a single week"),
    (FLC | CM, "the hospital sent back a referral because one box on the form wasn't filled in"),
    (FLC | CM, "a patient I'd been worried about came in just to say thank you"),
    (FLC | CM, "I realised at the end of clinic that I hadn't had a drink since eight o'clock"),
    (NCFM | CM | SM, "we lost two members of staff in the same fortnight"),
    (NCFM | CM | SM, "the heating failed and we had to decide whether to close for the afternoon"),
    (NCFM | CM | SM, "a complaint came in about something we'd never even thought about"),
    (NCFM | CM | SM, "a stomach bug went round the team and the rota simply fell apart"),
    (CM | SM, "a software update meant we had to rebuild the whole appointment system"),
    (SM, "the partners asked me to find savings in a budget that was already cut to the bone"),
    (NCFM | CM | SM, "someone told me in her leaving interview that nobody had ever asked how she was"),
    (SM, "we had an unannounced visit from the commissioners"),
];

/// How an anecdote ends.
pub(crate) const STORY_ENDINGS: &[&str] = &[
    "It's stuck with me ever since.",
    "We still talk about it now.",
    "I went home that night and just sat in the car for ten minutes.",
    "Looking back, it taught me a lot.",
    "It all worked out in the end, but it was close.",
    "Nobody outside would ever have known.",
    "I think about that whenever someone says we're not busy.",
    "It made me realise how much we rely on each other.",
    "You laugh about it afterwards, but at the time it wasn't funny.",
];

/// The interviewer checking understanding, in place of a probe now and then.
pub(crate) const REFLECTIONS: &[&str] = &[
    "So if I've understood you, a lot of that rests on you personally – is that fair?",
    "It sounds as though that's something you've learned rather than been taught.",
    "So the pressure is there, but you've found ways round it?",
    "That's really interesting. It sounds like the formal and the informal sides are quite different.",
    "So you'd know something was wrong before anything official told you?",
    "It sounds like the team matters a lot in that.",
    "I'm hearing that quite a lot of this is invisible to other people. Would you agree?",
    "So time comes into it quite a bit.",
];

/// The interviewer's opening, spoken before the warm-up question.
pub(crate) const OPENINGS: &[&str] = &[
    "Thanks for agreeing to take part. As the information sheet said, I'm {interviewer}, one of the researchers on the project. We're interested in how people working in general practice think about quality in their everyday work, and there are no right or wrong answers. Could you start by telling me a bit about your role here?",
    "Thank you for making the time – I know how busy it gets. I'm {interviewer}, from the research team. We're talking to people across [practice name] and four other practices about what quality means in their day-to-day work. To start with, could you tell me a little about what you do?",
];

/// Main questions, one section at a time, in several wordings.
pub(crate) fn main_questions(section: Section) -> &'static [&'static str] {
    match section {
        Warmup => &[
            "Could you say a bit more about what that involves?",
            "And how did you come to be doing that?",
        ],
        Plan => &[
            "I'd like to start with how you plan your work. When you think about the day or the week ahead, how do you go about it?",
            "Let's talk about planning. How do you decide what you're going to do and how you're going to do it?",
            "Thinking about the start of a day, what goes into planning your work?",
        ],
        Act => &[
            "Moving on to the work itself. When you're actually doing the job, what does doing it well look like?",
            "Can you talk me through what quality means when you're in the middle of the work – with patients, on the phone, whatever it is for you?",
            "When you're doing your work, what makes the difference between a good day and a bad one?",
        ],
        Monitor => &[
            "How do you know how things are going while you're doing the work? How do you keep an eye on it?",
            "I'm interested in how you monitor your work. How would you know if something wasn't going well?",
        ],
        Review => &[
            "And looking back on your work – after a day, or a week, or after something's gone wrong – how do you review it?",
            "Is there any time or space to look back at your work and think about how it went?",
        ],
        Closing => &[
            "We're nearly out of time. Is there anything about quality in your work that we haven't talked about and you think I should know?",
            "That's all my questions. Is there anything you'd like to add?",
        ],
        Any => &["Can you say more about that?"],
    }
}

/// Short follow-up probes for a section (general probes are added to these).
pub(crate) fn probes(section: Section) -> &'static [&'static str] {
    match section {
        Warmup => &["And before that?"],
        Plan => &[
            "What helps you plan well?",
            "And when the plan goes wrong?",
            "Where does that knowledge come from?",
            "Who else is involved in that?",
        ],
        Act => &[
            "What did you do then?",
            "How did that feel?",
            "What gets in the way of that?",
            "Is that the same for everyone in your team?",
        ],
        Monitor => &[
            "Is there anything more formal than that?",
            "Who tells you?",
            "And do you trust that?",
            "What do you do with that information?",
        ],
        Review => &[
            "Does that happen as a team, or on your own?",
            "What happens as a result?",
            "What would help you do more of that?",
            "Can you remember a time that changed how you work?",
        ],
        Closing | Any => &["Anything else?"],
    }
}

pub(crate) const GENERAL_PROBES: &[&str] = &[
    "Can you give me an example?",
    "Why do you think that is?",
    "Mm-hm. Go on.",
    "Right. And what does that look like in practice?",
    "You mentioned that briefly – can you say a bit more?",
    "Mm.",
];

/// Said at the start of an answer, before anything coded.
pub(crate) const OPENERS: &[&str] = &[
    "Erm.",
    "Well…",
    "Yes.",
    "Mm.",
    "Ooh, that's a good question.",
    "Right.",
    "Gosh, where do I start?",
    "Hmm – let me think.",
    "Yeah, definitely.",
    "Okay.",
    "Erm… yes.",
    "Good question.",
];

/// Dropped between fragments now and then.
pub(crate) const FILLERS: &[&str] = &[
    "You know?",
    "If that makes sense.",
    "Erm…",
    "I don't know.",
    "Anyway.",
    "So, yes.",
    "Where was I?",
    "Sorry, I'm rambling.",
    "Does that make sense?",
    "It's hard to put into words, really.",
    "What else?",
    "Let me think.",
    "Sorry, go on – no, I'll finish that thought.",
    "How can I put it?",
];

/// Said when an answer has nothing left to draw on.
pub(crate) const SHRUGS: &[&str] = &[
    "I think I've said most of what I'd say about that, to be honest.",
    "Not really, no – I think that's it.",
    "I'm not sure there's much more to it than that.",
];

pub(crate) const THANKS: &[&str] = &[
    "Thank you so much, that's been really helpful.",
    "Lovely. Thank you – I'll stop the recording there.",
];

pub(crate) const GOODBYES: &[&str] = &[
    "No problem at all.",
    "You're welcome. Good luck with it.",
    "Thanks, it's been interesting.",
];

/// Ways of referring to a patient in the middle of a sentence.
pub(crate) const PATIENTS: &[&str] = &[
    "a patient",
    "one lady",
    "an older gentleman",
    "a young mum",
    "a chap in his fifties",
    "[patient]",
    "an elderly lady",
];

pub(crate) const DAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fragment_code_is_in_the_codebook() {
        for frag in FRAGMENTS {
            for code in frag.codes {
                assert!(locate(code).is_some(), "{code} in {:?}", frag.text);
            }
        }
    }

    #[test]
    fn fragments_are_one_to_three_trimmed_sentences() {
        for frag in FRAGMENTS {
            assert_eq!(frag.text.trim(), frag.text);
            let ends = frag
                .text
                .split_whitespace()
                .filter(|w| {
                    w.ends_with(['.', '?', '!', '…']) || w.ends_with(".”") || w.ends_with("?”")
                })
                .count();
            assert!(
                (1..=3).contains(&ends) || frag.codes.is_empty(),
                "{} sentences: {:?}",
                ends,
                frag.text
            );
        }
    }

    #[test]
    fn every_code_has_fragments_for_several_voices() {
        for name in code_names() {
            let voices = FRAGMENTS
                .iter()
                .filter(|f| f.codes.contains(&name))
                .fold(0u8, |acc, f| acc | f.voice);
            assert!(voices.count_ones() >= 2, "{name} has too few voices");
        }
    }
}
