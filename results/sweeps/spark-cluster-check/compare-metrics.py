import json,sys
def load(d):
    out=[]
    for l in open(d+'/metrics.jsonl'):
        if l.strip():
            o=json.loads(l); o.pop('seconds',None); o.pop('samples_per_s',None); out.append(o)
    return out
a,b=load(sys.argv[1]),load(sys.argv[2])
print("epochs", len(a), len(b), "equal apart from timings:", a==b)
for x,y in zip(a,b): print(" epoch", x['epoch'], "test_acc", x['test_acc'], y['test_acc'], "train_acc", x.get('train_acc'), y.get('train_acc'))
